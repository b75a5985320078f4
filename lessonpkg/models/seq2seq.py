"""The encoder-decoder (sequence-to-sequence) RNN: many-to-many when the output length differs from the input's.

The encoder reads the whole source sequence; its final state is the decoder's
initial state, the only channel between the two. The decoder is a language
model over the target tokens: at step t it reads the previous target token
and predicts the next one. In training the previous token is the true one
(teacher forcing); at test time it is the decoder's own previous prediction
(``greedy_decode``)::

    h_src              = encoder(src_embed(src))[final state]       # (L, N, H)
    out                = decoder(tgt_embed(tgt_in), h0=h_src)       # (N, T, H)
    logits[:, :, t]    = out[:, t] @ head.weight.T + head.bias      # (N, V, T)
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int, check_int_array
from lessonpkg.models.heads import check_recurrent
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.module import Cache, Module


class Seq2Seq(Module):
    """An encoder RNN whose final state initialises a decoder RNN, with embeddings and a ``Linear`` head.

    ``params`` holds the five children's arrays under torch-style names:
    ``"src_embed.weight"``, ``"encoder.weight_ih_l0"``, ...,
    ``"tgt_embed.weight"``, ``"decoder.weight_ih_l0"``, ..., ``"head.weight"``,
    ``"head.bias"``.

    Parameters
    ----------
    src_embed : Embedding(V_src, E_src)
    encoder : RNN, GRU or LSTM (input_size E_src, batch_first=True, one direction)
    tgt_embed : Embedding(V_in, E_tgt)
        Embeds the decoder's input tokens: the target tokens plus a start token (BOS).
    decoder : the same class as ``encoder``, with the same hidden_size and num_layers
    head : Linear(H, V_out), scores over the target tokens
    """

    def __init__(self, src_embed: Embedding, encoder, tgt_embed: Embedding, decoder, head: Linear) -> None:
        check_encoder_decoder(src_embed, encoder, tgt_embed, decoder)
        if not isinstance(head, Linear):
            raise TypeError(f"head must be a lessonpkg Linear, got {type(head).__name__}")
        if head.in_features != decoder.hidden_size:
            raise ValueError(f"head.in_features must equal decoder.hidden_size, got {head.in_features} "
                             f"and {decoder.hidden_size}")
        check_vocab(tgt_embed, head)
        super().__init__(encoder.dtype)
        self.src_embed, self.encoder, self.tgt_embed, self.decoder = src_embed, encoder, tgt_embed, decoder
        self.head = check_dtype_of(head, encoder.dtype, "head")

    def forward(self, src: np.ndarray, tgt_in: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Teacher-forced scores: logits (N, V_out, T) for src (N, S) and decoder inputs tgt_in (N, T), both ints.

        ``tgt_in[:, 0]`` is the start token and ``tgt_in[:, t]`` the true target
        token t - 1. The classes are on axis 1, as ``CrossEntropyLoss`` expects.
        """
        src, tgt_in = check_src_tgt(src, tgt_in)
        e_src, c_src = self.src_embed.forward(src)  # (N, S, E)
        _, state, c_enc = self.encoder.forward(e_src)  # state: (L, N, H), or (h, c) for an LSTM
        e_tgt, c_tgt = self.tgt_embed.forward(tgt_in)  # (N, T, E)
        out, _, c_dec = self.decoder.forward(e_tgt, state)  # (N, T, H), starts from the encoder's final state
        logits, c_head = self.head.forward(out)  # (N, T, V_out)
        cache = self.save_for_backward(src=c_src, enc=c_enc, tgt=c_tgt, dec=c_dec, head=c_head)
        return logits.transpose(0, 2, 1), cache

    def backward(self, dlogits: np.ndarray, cache: Cache) -> tuple[None, dict[str, np.ndarray]]:
        """Return ``None`` (token inputs have no gradient) and ``grads`` keyed like ``params``; dlogits (N, V, T)."""
        c_src, c_enc, c_tgt, c_dec, c_head = self.check_cache(cache).values()
        dlogits = check_array(dlogits, "dlogits", dtype=self.dtype, shape=("N", "V", "T"))
        dout, g_head = self.head.backward(dlogits.transpose(0, 2, 1), c_head)  # (N, T, H)
        de_tgt, dstate, g_dec = self.decoder.backward(dout, c_dec)  # dstate: gradient of the encoder's final state
        _, g_tgt = self.tgt_embed.backward(de_tgt, c_tgt)
        de_src, _, g_enc = self.encoder.backward(None, c_enc, dstate)  # the encoder's outputs feed nothing else
        _, g_src = self.src_embed.backward(de_src, c_src)
        return None, self.collect_grads(src_embed=g_src, encoder=g_enc, tgt_embed=g_tgt, decoder=g_dec, head=g_head)

    def greedy_decode(self, src: np.ndarray, steps: int, bos: int) -> np.ndarray:
        """Generate ``steps`` tokens per source sequence, each step feeding back the most likely token.

        Parameters
        ----------
        src : int ndarray (N, S)
        steps : int
            T, the number of tokens to generate.
        bos : int
            The start token, the decoder's first input.

        Returns
        -------
        int64 ndarray (N, T)
        """
        src, steps = check_tokens(src, "src"), check_int(steps, "steps", low=1)
        bos = check_int(bos, "bos", low=0, high=self.tgt_embed.num_embeddings - 1)
        _, state, _ = self.encoder.forward(self.src_embed.forward(src)[0])
        token = np.full((src.shape[0], 1), int(bos), dtype=np.int64)  # (N, 1)
        result = np.empty((src.shape[0], steps), dtype=np.int64)
        for t in range(steps):
            out, state, _ = self.decoder.forward(self.tgt_embed.forward(token)[0], state)  # one step: (N, 1, H)
            scores, _ = self.head.forward(out[:, 0])  # (N, V_out)
            result[:, t] = scores.argmax(axis=1)
            token = result[:, t:t + 1]  # the prediction is the next input
        return result


def check_tokens(tokens, name: str) -> np.ndarray:
    """Return ``tokens`` after checking that it is an int array (N, T) with N, T >= 1."""
    tokens = check_int_array(tokens, name)
    if tokens.ndim != 2 or 0 in tokens.shape:
        raise ValueError(f"{name} must have shape (N, T) with N, T >= 1, got {tokens.shape}")
    return tokens


def check_src_tgt(src, tgt_in) -> tuple[np.ndarray, np.ndarray]:
    """Check the source tokens (N, S) and the decoder's input tokens (N, T): both int, the same N."""
    src, tgt_in = check_tokens(src, "src"), check_tokens(tgt_in, "tgt_in")
    if src.shape[0] != tgt_in.shape[0]:
        raise ValueError(f"src and tgt_in must hold the same number of sequences N, got {src.shape[0]} "
                         f"and {tgt_in.shape[0]}")
    return src, tgt_in


def check_dtype_of(module: Module, dtype, name: str) -> Module:
    """Return ``module`` after checking that it has the model's dtype."""
    if module.dtype != dtype:
        raise ValueError(f"{name} must have the dtype of the encoder, {dtype}, got {module.dtype}")
    return module


def check_vocab(tgt_embed: Embedding, head: Linear) -> None:
    """Every token the head can predict must be a valid decoder input, so that it can be fed back."""
    if tgt_embed.num_embeddings < head.out_features:
        raise ValueError(f"tgt_embed.num_embeddings must be >= head.out_features so that every predicted token "
                         f"can be fed back, got {tgt_embed.num_embeddings} and {head.out_features}")


def check_encoder_decoder(src_embed: Embedding, encoder, tgt_embed: Embedding, decoder) -> None:
    """The checks an encoder-decoder shares with its attention variant: classes, sizes and one dtype."""
    encoder, decoder = check_recurrent(encoder, "encoder"), check_recurrent(decoder, "decoder")
    for name, m in (("src_embed", src_embed), ("tgt_embed", tgt_embed)):
        if not isinstance(m, Embedding):
            raise TypeError(f"{name} must be a lessonpkg Embedding, got {type(m).__name__}")
    if type(encoder) is not type(decoder):
        raise TypeError(f"encoder and decoder must be the same class, got {type(encoder).__name__} "
                        f"and {type(decoder).__name__}")
    if encoder.bidirectional or decoder.bidirectional:
        raise ValueError("encoder and decoder must have bidirectional=False: the decoder's initial state "
                         "is the encoder's final state, layer by layer")
    for attr in ("hidden_size", "num_layers"):
        if getattr(encoder, attr) != getattr(decoder, attr):
            raise ValueError(f"encoder and decoder must have the same {attr}, got {getattr(encoder, attr)} "
                             f"and {getattr(decoder, attr)}")
    pairs = (("src_embed.embedding_dim", src_embed.embedding_dim, "encoder.input_size", encoder.input_size),
             ("tgt_embed.embedding_dim", tgt_embed.embedding_dim, "decoder.input_size", decoder.input_size))
    for a, va, b, vb in pairs:
        if va != vb:
            raise ValueError(f"{a} must equal {b}, got {va} and {vb}")
    for name, m in (("src_embed", src_embed), ("tgt_embed", tgt_embed), ("decoder", decoder)):
        check_dtype_of(m, encoder.dtype, name)
