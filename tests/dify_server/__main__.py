"""`python -m tests.dify_server --port N`: the test server as a process (benchmarks)."""

from tests.dify_server.serve import main

main()
