"""TakedownBankAPI: fetch a takedown bank's changes with its signed checkpoint cursor.

The service answers ``GET {base_url}/m/banks/{bank}/fetch?checkpoint=..`` with
``{"updates": [{"id", "signal_type", "signal", "withdrawn"}], "checkpoint", "has_more"}``.
Updates are keyed by the bank entry's id; a withdrawn entry comes back as a tombstone (None).
"""

# No `from __future__ import annotations`: the threatexchange CLI reads the config fields' real
# types (dataclasses.fields) to build its --options.
import time
import typing as t
from dataclasses import dataclass, field

import requests
from threatexchange.exchanges import auth, signal_exchange_api
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.collab_config import CollaborationConfigWithDefaults
from threatexchange.signal_type.signal_base import SignalType

API_NAME = "takedown"


@dataclass
class TakedownCollabConfig(CollaborationConfigWithDefaults):
    """Which bank, on which takedown service."""

    base_url: str = field(default="http://127.0.0.1:8000", metadata={"help": "the service root"})
    bank: str = field(default="", metadata={"help": "the bank's name"})
    api: str = field(init=False, default=API_NAME)


@dataclass
class TakedownCheckpoint(state.FetchCheckpointBase):
    """The service's opaque cursor: only the service can make or read one."""

    cursor: str
    fetched_at: int

    def get_progress_timestamp(self) -> int | None:
        return self.fetched_at


@dataclass
class TakedownSignalMetadata(state.FetchedSignalMetadata):
    """A hash the center confirmed as non-consensual intimate imagery of a person it supports."""

    bank: str
    entry_id: int

    def get_as_opinions(self) -> t.Sequence[state.SignalOpinion]:
        return [state.SignalOpinion(False, state.SignalOpinionCategory.POSITIVE_CLASS, {"ncii"})]


@dataclass
class TakedownRecord:
    signal_type: str
    signal: str
    metadata: TakedownSignalMetadata


@dataclass
class TakedownCredentials(auth.CredentialHelper):
    ENV_VARIABLE: t.ClassVar[str] = "TX_TAKEDOWN_TOKEN"
    FILE_NAME: t.ClassVar[str] = "~/.tx_takedown_token"

    token: str = field(metadata={"help": "a partner token (takedown token create --role partner)"})

    @classmethod
    def _from_str(cls, s: str) -> "TakedownCredentials":
        return cls(s.strip())

    def _are_valid(self) -> bool:
        return self.token.startswith("tdk_")


class TakedownBankAPI(
    auth.SignalExchangeWithAuth[TakedownCollabConfig, TakedownCredentials],
    signal_exchange_api.SignalExchangeAPI[
        TakedownCollabConfig, TakedownCheckpoint, TakedownSignalMetadata, str, TakedownRecord
    ],
):
    def __init__(
        self,
        collab: TakedownCollabConfig,
        token: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.collab = collab
        self.token = token
        self.session = session or requests.Session()
        self.timeout = timeout

    @classmethod
    def get_name(cls) -> str:
        return API_NAME

    @staticmethod
    def get_config_cls() -> type[TakedownCollabConfig]:
        return TakedownCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[TakedownCheckpoint]:
        return TakedownCheckpoint

    @staticmethod
    def get_record_cls() -> type[TakedownSignalMetadata]:
        return TakedownSignalMetadata

    @staticmethod
    def get_credential_cls() -> type[TakedownCredentials]:
        return TakedownCredentials

    @classmethod
    def for_collab(
        cls, collab: TakedownCollabConfig, credentials: TakedownCredentials | None = None
    ) -> "TakedownBankAPI":
        credentials = credentials or TakedownCredentials.get(cls)
        return cls(collab, credentials.token)

    def _page(self, cursor: str | None) -> dict[str, t.Any]:
        url = f"{self.collab.base_url.rstrip('/')}/m/banks/{self.collab.bank}/fetch"
        reply = self.session.get(
            url,
            params={"checkpoint": cursor} if cursor else None,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=self.timeout,
        )
        reply.raise_for_status()
        data: dict[str, t.Any] = reply.json()
        return data

    def fetch_iter(
        self,
        _supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: TakedownCheckpoint | None,
    ) -> t.Iterator[state.FetchDelta[str, TakedownRecord, TakedownCheckpoint]]:
        cursor = checkpoint.cursor if checkpoint is not None else None
        while True:
            page = self._page(cursor)
            updates: dict[str, TakedownRecord | None] = {}
            for u in page["updates"]:
                meta = TakedownSignalMetadata(page["bank"], int(u["id"]))
                record = TakedownRecord(u["signal_type"], u["signal"], meta)
                updates[str(u["id"])] = None if u["withdrawn"] else record
            cursor = page["checkpoint"]
            yield state.FetchDelta(updates, TakedownCheckpoint(cursor, int(time.time())))
            if not page["has_more"]:
                return

    @classmethod
    def naive_convert_to_signal_type(
        cls,
        signal_types: t.Sequence[type[SignalType]],
        collab: TakedownCollabConfig,
        fetched: t.Mapping[str, TakedownRecord],
    ) -> dict[type[SignalType], dict[str, TakedownSignalMetadata]]:
        by_name = {st.get_name(): st for st in signal_types}
        out: dict[type[SignalType], dict[str, TakedownSignalMetadata]] = {}
        for record in fetched.values():
            st = by_name.get(record.signal_type)
            if st is None:
                continue  # a signal type this installation does not have (e.g. vpdq, sha256)
            try:
                value = st.validate_signal_str(record.signal)
            except ValueError:
                continue
            out.setdefault(st, {})[value] = record.metadata
        return out
