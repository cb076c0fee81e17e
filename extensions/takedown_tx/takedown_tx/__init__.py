"""python-threatexchange extension: a takedown hash bank as a SignalExchangeAPI."""

from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest

from takedown_tx.api import TakedownBankAPI

TX_MANIFEST = ThreatExchangeExtensionManifest(apis=(TakedownBankAPI,))

__all__ = ["TX_MANIFEST", "TakedownBankAPI"]
