"""SQL repositories, each running its statements in one unit of work's transaction."""

from adapters.sql.repositories.creations import (
    SqlStoryboardRepository,
    SqlStoryRepository,
    SqlWorkRepository,
)
from adapters.sql.repositories.library import (
    SqlCharacterRepository,
    SqlDialogueRepository,
    SqlMovieRepository,
)
from adapters.sql.repositories.media import (
    SqlAudioRepository,
    SqlComicRepository,
    SqlMonologueRepository,
)
from adapters.sql.repositories.profiles import (
    SqlDialogueAnalysisRepository,
    SqlTraitProfileRepository,
)
from adapters.sql.repositories.sessions import SqlChatRepository, SqlCollaborationRepository
from adapters.sql.repositories.tasks import SqlTaskRepository
from adapters.sql.repositories.users import SqlUserRepository

__all__ = [
    "SqlAudioRepository",
    "SqlCharacterRepository",
    "SqlChatRepository",
    "SqlCollaborationRepository",
    "SqlComicRepository",
    "SqlDialogueAnalysisRepository",
    "SqlDialogueRepository",
    "SqlMonologueRepository",
    "SqlMovieRepository",
    "SqlStoryRepository",
    "SqlStoryboardRepository",
    "SqlTaskRepository",
    "SqlTraitProfileRepository",
    "SqlUserRepository",
    "SqlWorkRepository",
]
