"""In-memory adapters of every port: for unit tests, property tests and the embedded mode."""

from adapters.memory.cache import MemoryCache
from adapters.memory.clock import ManualClock, SystemClock
from adapters.memory.identity import DevelopmentIdentityProvider
from adapters.memory.ids import SequentialIds, UuidGenerator
from adapters.memory.ledger import MemoryQuotaLedger
from adapters.memory.queue import MemoryTaskQueue, QueuedTask
from adapters.memory.runner import InProcessTaskQueue
from adapters.memory.storage import MemoryObjectStorage
from adapters.memory.store import MemoryStore
from adapters.memory.tokens import MemoryTokenIssuer
from adapters.memory.uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from adapters.memory.workflows import ScriptedWorkflowRunner, WorkflowCall, WorkflowInput

__all__ = [
    "DevelopmentIdentityProvider",
    "InProcessTaskQueue",
    "ManualClock",
    "MemoryCache",
    "MemoryObjectStorage",
    "MemoryQuotaLedger",
    "MemoryStore",
    "MemoryTaskQueue",
    "MemoryTokenIssuer",
    "MemoryUnitOfWork",
    "MemoryUnitOfWorkFactory",
    "QueuedTask",
    "ScriptedWorkflowRunner",
    "SequentialIds",
    "SystemClock",
    "UuidGenerator",
    "WorkflowCall",
    "WorkflowInput",
]
