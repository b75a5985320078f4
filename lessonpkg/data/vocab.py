"""One vocabulary for every dataset: a fixed list of tokens, their indices, and the special tokens pad, bos, eos, unk.

Index i stands for the token ``itos[i]``. The special tokens are ordinary entries of the token list, placed
where the dataset needs them, so each dataset states its own index layout in one line::

    Vocab(["<pad>", "<bos>", "<eos>", *letters], pad="<pad>", bos="<bos>", eos="<eos>")  # G2P: specials first
    Vocab(".abcdefghijklmnopqrstuvwxyz", bos=".", eos=".")     # names: one separator starts and ends a name
    Vocab([*". abcdefghijklmnopqrstuvwxyz", "<bos>"], eos=".", bos="<bos>")  # captions: EOS 0, BOS last
    Vocab.build(sentences, min_freq=2, pad="<pad>", unk="<unk>")             # from a corpus, sorted

Like torchtext's ``Vocab`` it maps tokens to indices and back; unlike it, ``encode`` adds ``<bos>`` and
``<eos>`` on request and ``decode`` strips them, and a str is read as its characters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from types import MappingProxyType

import numpy as np

from lessonpkg._validate import check_int

ROLES = ("pad", "bos", "eos", "unk")


class Vocab:
    """A fixed list of V tokens and their indices 0..V-1, with optional special tokens.

    Parameters
    ----------
    tokens : iterable of str
        The V distinct, non-empty tokens in index order, special tokens included (a str is read as its
        characters).
    pad, bos, eos, unk : str or None
        The token that plays each role (padding, begin and end of sequence, unknown); it must be one of
        ``tokens``. Two roles may share a token. With ``unk``, ``encode`` maps unknown tokens to it.

    Attributes
    ----------
    itos : tuple of str (V,)
        Index -> token.
    stoi : read-only mapping str -> int
        Token -> index.
    pad, bos, eos, unk : int or None
        The index of each special token; None when the vocabulary has none.
    """

    __slots__ = ("_itos", "_stoi", "_roles")

    def __init__(self, tokens: Iterable[str], *, pad: str | None = None, bos: str | None = None,
                 eos: str | None = None, unk: str | None = None) -> None:
        itos = tuple(_token_list(tokens, "tokens"))
        if "" in itos:
            raise ValueError(f"tokens[{itos.index('')}] must be a non-empty str, got ''")
        repeated = sorted(t for t, c in Counter(itos).items() if c > 1)
        if repeated:
            raise ValueError(f"tokens must be distinct, got {repeated} more than once")
        stoi = {t: i for i, t in enumerate(itos)}
        roles = {}
        for role, token in zip(ROLES, (pad, bos, eos, unk)):
            if token is not None and not isinstance(token, str):
                raise TypeError(f"{role} must be a str (one of the tokens) or None, got {type(token).__name__}")
            if token is not None and token not in stoi:
                raise ValueError(f"{role} must be one of the tokens, got {token!r}")
            roles[role] = None if token is None else stoi[token]
        self._itos, self._stoi, self._roles = itos, MappingProxyType(stoi), roles

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], *, min_freq: int = 1, pad: str | None = None,
              bos: str | None = None, eos: str | None = None, unk: str | None = None) -> Vocab:
        """A vocabulary of the special tokens, then every token of ``sequences`` seen ``min_freq`` times or more.

        The special tokens come first, in the order pad, bos, eos, unk; the other tokens are sorted, so the
        indices do not depend on the order of the corpus.

        Parameters
        ----------
        sequences : iterable of iterables of str
            E.g. sentences as token lists.
        min_freq : int
            Rarer tokens are left out (``unk`` then stands for them).
        pad, bos, eos, unk : str or None
            The special tokens, e.g. ``pad="<pad>"``.
        """
        min_freq = check_int(min_freq, "min_freq", low=1)
        if isinstance(sequences, str):
            raise TypeError("sequences must be an iterable of token sequences, got a single str")
        counts: Counter = Counter()
        for k, seq in enumerate(sequences):
            counts.update(_token_list(seq, f"sequences[{k}]"))
        specials = [t for t in dict.fromkeys((pad, bos, eos, unk)) if t is not None]
        tokens = sorted(t for t, c in counts.items() if c >= min_freq and t not in specials)
        return cls([*specials, *tokens], pad=pad, bos=bos, eos=eos, unk=unk)

    itos = property(lambda self: self._itos, doc="Index -> token, a tuple of V str.")
    stoi = property(lambda self: self._stoi, doc="Token -> index, a read-only mapping.")

    pad = property(lambda self: self._roles["pad"], doc="The index of the padding token, or None.")
    bos = property(lambda self: self._roles["bos"], doc="The index of the begin-of-sequence token, or None.")
    eos = property(lambda self: self._roles["eos"], doc="The index of the end-of-sequence token, or None.")
    unk = property(lambda self: self._roles["unk"], doc="The index of the unknown token, or None.")

    def __len__(self) -> int:
        return len(self._itos)

    def __contains__(self, token) -> bool:
        return isinstance(token, str) and token in self._stoi

    def index(self, token: str) -> int:
        """The index of ``token`` (the ``unk`` index for an unknown token, if the vocabulary has one)."""
        if not isinstance(token, str):
            raise TypeError(f"token must be a str, got {type(token).__name__}")
        if token not in self._stoi and self.unk is None:
            raise ValueError(f"token must be in the vocabulary of {len(self)} tokens, got unknown {token!r}")
        return self._stoi.get(token, self.unk)

    def token(self, index: int) -> str:
        """The token at ``index``, in ``[0, V)``."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an int, got {type(index).__name__}")
        if not 0 <= index < len(self):
            raise ValueError(f"index must lie in [0, {len(self)}), got {index}")
        return self._itos[index]

    def encode(self, tokens: Iterable[str], *, bos: bool = False, eos: bool = False) -> np.ndarray:
        """The int64 indices (T,) of ``tokens``, after ``<bos>`` if ``bos`` and before ``<eos>`` if ``eos``.

        ``tokens`` is an iterable of str; a str is read as its characters (``"cat"`` -> c, a, t), so split
        sentences into words first. Unknown tokens map to ``unk``, or raise a ValueError without it.
        """
        words = _token_list(tokens, "tokens")
        for flag, role in ((bos, "bos"), (eos, "eos")):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{role} must be a bool, got {type(flag).__name__}")
            if flag and self._roles[role] is None:
                raise ValueError(f"{role}=True needs a vocabulary with a {role} token, and this one has none")
        if self.unk is None:
            unknown = sorted({t for t in words if t not in self._stoi})
            if unknown:
                hint = " (a str is read as its characters; pass a list of words for words)" \
                    if isinstance(tokens, str) else ""
                raise ValueError(f"tokens must be in the vocabulary of {len(self)} tokens, got unknown "
                                 f"{unknown}{hint}")
        ids = [self._stoi.get(t, self.unk) for t in words]
        return np.array(([self.bos] if bos else []) + ids + ([self.eos] if eos else []), dtype=np.int64)

    def decode(self, ids, *, strip: bool = True) -> tuple[str, ...]:
        """The tokens (T,) of the indices ``ids``; ``strip`` stops at the first eos and drops pad and bos."""
        if type(ids).__module__.startswith("torch"):
            raise TypeError("ids must be a numpy array, got a torch tensor; use tensor.detach().numpy()")
        if not isinstance(strip, (bool, np.bool_)):
            raise TypeError(f"strip must be a bool, got {type(strip).__name__}")
        arr = np.asarray(ids)
        if arr.ndim != 1 or (arr.dtype.kind not in "iu" and arr.size):
            raise TypeError(f"ids must be a 1-d array of integer token indices, got dtype {arr.dtype} and shape "
                            f"{arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() >= len(self)):
            raise ValueError(f"ids must lie in [0, {len(self)}) (token indices must lie below the vocabulary size "
                             f"{len(self)}), got values from {arr.min()} to {arr.max()}")
        out = []
        for i in arr.tolist():
            if strip and i == self.eos:
                break
            if not (strip and i in (self.pad, self.bos)):
                out.append(self._itos[i])
        return tuple(out)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return self._itos == other._itos and self._roles == other._roles

    def __hash__(self) -> int:
        return hash((self._itos, tuple(self._roles.values())))

    def __repr__(self) -> str:
        shown = " ".join(self._itos[:12]) + (" ..." if len(self) > 12 else "")
        roles = ", ".join(f"{r}={i}" for r, i in self._roles.items() if i is not None)
        return f"{type(self).__name__}({len(self)} tokens: {shown}" + (f"; {roles})" if roles else ")")


def _token_list(tokens, name: str) -> list[str]:
    """``tokens`` as a list of str, with a TypeError naming ``name`` for anything else."""
    if isinstance(tokens, str):
        return list(tokens)
    if type(tokens).__module__.startswith("torch") or not isinstance(tokens, Iterable):
        raise TypeError(f"{name} must be a str or an iterable of str tokens, got {type(tokens).__name__}")
    out = list(tokens)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(t).__name__}")
    return out
