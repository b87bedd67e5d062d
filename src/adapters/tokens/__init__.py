"""Bearer tokens that carry their own proof: HS256 JSON Web Tokens."""

from adapters.tokens.jwt import MIN_SECRET_BYTES, JwtTokenIssuer

__all__ = ["MIN_SECRET_BYTES", "JwtTokenIssuer"]
