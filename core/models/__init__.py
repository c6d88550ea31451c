"""Core tables. Every core table is prefixed ``core_``; module tables carry their module id."""

from core.models.org import (  # noqa: F401
    Delegation,
    Group,
    GroupMembership,
    Office,
    Person,
    School,
    SchoolList,
    SchoolMembership,
    SchoolNetwork,
    school_list_members,
)
from core.models.access import Grant, LoginFailure, Role, SignInSession, role_members  # noqa: F401
from core.models.settings import CacheStamp, PluginState, Setting  # noqa: F401
