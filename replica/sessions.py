"""HTTP sessions (``JSESSIONID``) and the form actions issued in each, for the POST-paged document register.

The server remembers the session ids it issued (an unknown cookie gets a fresh one) and, per session,
the last ``ACTIONS_KEPT`` register form actions it rendered: a POST to any other action is a new visit
(page 1). Both memories are bounded LRUs, so the store never grows with the crawl.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict

ACTIONS_KEPT = 16
SESSIONS_KEPT = 20000


def new_session_id() -> str:
    return "0000" + os.urandom(16).hex()[:23].upper() + ":-1"


class Sessions:
    def __init__(self, actions_kept: int = ACTIONS_KEPT, sessions_kept: int = SESSIONS_KEPT):
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, OrderedDict[bytes, None]] = OrderedDict()
        self.actions_kept, self.sessions_kept = actions_kept, sessions_kept

    def new(self) -> str:
        sid = new_session_id()
        with self._lock:
            self._sessions[sid] = OrderedDict()
            while len(self._sessions) > self.sessions_kept:
                self._sessions.popitem(last=False)
        return sid

    def known(self, sid: str | None) -> bool:
        with self._lock:
            if sid in self._sessions:
                self._sessions.move_to_end(sid)
                return True
            return False

    def add_action(self, sid: str | None, token: bytes) -> None:
        with self._lock:
            actions = self._sessions.get(sid)
            if actions is None:
                return
            actions[token] = None
            while len(actions) > self.actions_kept:
                actions.popitem(last=False)

    def has_action(self, sid: str | None, token: bytes | None) -> bool:
        with self._lock:
            actions = self._sessions.get(sid)
            return actions is not None and token is not None and token in actions
