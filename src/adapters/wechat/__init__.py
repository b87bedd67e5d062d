"""WeChat mini-program login: turning a `wx.login` code into an openid."""

from adapters.wechat.jscode2session import WeChatIdentityProvider

__all__ = ["WeChatIdentityProvider"]
