"""Local models with no account: a language model, speech-to-text and a voice the app runs.

`LocalModels` (in `manager`) is the one entry point for the app; `catalog` lists the models,
`files` hashes, joins and downloads them, `supervised` runs their servers on loopback.
Importing this package imports no engine (llama.cpp, Whisper, Piper).
"""

from mockflow.localmodels.manager import (
    EngineNotInstalled,
    LocalEndpoint,
    LocalModels,
    Ports,
    SpeechEndpoint,
)
from mockflow.localmodels.status import RoleStatus

__all__ = [
    "EngineNotInstalled",
    "LocalEndpoint",
    "LocalModels",
    "Ports",
    "RoleStatus",
    "SpeechEndpoint",
]
