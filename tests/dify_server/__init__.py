"""A Dify-compatible server for tests and benchmarks, scripted through `DifyControl`."""

from tests.dify_server.app import DifyApp
from tests.dify_server.control import DifyControl, Fault, FaultSpec, Script, Seen
from tests.dify_server.files import ServerFile
from tests.dify_server.serve import dify_server, serving

__all__ = [
    "DifyApp",
    "DifyControl",
    "Fault",
    "FaultSpec",
    "Script",
    "Seen",
    "ServerFile",
    "dify_server",
    "serving",
]
