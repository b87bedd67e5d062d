"""In-memory repositories, each over the staged tables of one unit of work."""

from adapters.memory.repositories.creations import (
    MemoryAudioRepository,
    MemoryComicRepository,
    MemoryMonologueRepository,
    MemoryStoryboardRepository,
    MemoryStoryRepository,
    MemoryWorkRepository,
)
from adapters.memory.repositories.library import (
    MemoryCharacterRepository,
    MemoryDialogueRepository,
    MemoryMovieRepository,
)
from adapters.memory.repositories.profiles import (
    MemoryDialogueAnalysisRepository,
    MemoryTraitProfileRepository,
)
from adapters.memory.repositories.sessions import (
    MemoryChatRepository,
    MemoryCollaborationRepository,
)
from adapters.memory.repositories.tasks import MemoryTaskRepository
from adapters.memory.repositories.users import MemoryUserRepository

__all__ = [
    "MemoryAudioRepository",
    "MemoryCharacterRepository",
    "MemoryChatRepository",
    "MemoryCollaborationRepository",
    "MemoryComicRepository",
    "MemoryDialogueAnalysisRepository",
    "MemoryDialogueRepository",
    "MemoryMonologueRepository",
    "MemoryMovieRepository",
    "MemoryStoryRepository",
    "MemoryStoryboardRepository",
    "MemoryTaskRepository",
    "MemoryTraitProfileRepository",
    "MemoryUserRepository",
    "MemoryWorkRepository",
]
