"""An encoder-decoder with additive attention: at every step the decoder looks back at all encoder outputs.

Chapter 3's ``Seq2Seq`` passes the source to the decoder through one vector,
the encoder's final state. Here the decoder also reads a context vector, a
weighted average of every encoder output, recomputed at each target step::

    keys, h_src      = encoder(src_embed(src), lengths=src_lengths)       # (N, S, H), final state
    s                = decoder(tgt_embed(tgt_in), h0=h_src)               # (N, T, H), teacher forcing
    context, alpha   = attention(query=s, keys=keys, lengths=src_lengths) # (N, T, H), (N, T, S)
    logits[:, :, t]  = concat(s[:, t], context[:, t]) @ head.weight.T + head.bias   # (N, V_out)

The score is Bahdanau et al.'s (2015) additive one (``AdditiveAttention``).
Where the context enters follows Luong et al. (2015): it is computed from the
decoder's new state and goes to the output layer, so the decoder RNN runs over
the whole target at once in training. Bahdanau et al. fed the context into
the RNN's input instead, which forces a Python loop over the steps.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int_array
from lessonpkg.models.seq2seq import Seq2Seq, check_dtype_of, check_encoder_decoder, check_tokens, check_vocab
from lessonpkg.nn import functional
from lessonpkg.nn.attention import AdditiveAttention
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.gru import GRU, gru_cell_forward
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.lstm import LSTM, lstm_cell_forward
from lessonpkg.nn.module import Cache, Module


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """``log(softmax(scores))`` over the last axis, computed stably."""
    scores = check_array(scores, "scores")
    if scores.ndim == 0 or scores.shape[-1] == 0:
        raise ValueError(f"scores must have at least one entry on its last axis, got shape {scores.shape}")
    return functional.log_softmax(scores, axis=-1)


class AttentionSeq2Seq(Module):
    """Embeddings, an encoder RNN, a decoder RNN started from its final state, ``AdditiveAttention`` and a head.

    ``params`` holds the children's arrays under torch-style names:
    ``"src_embed.weight"``, ``"encoder.weight_ih_l0"``, ..., ``"tgt_embed.weight"``,
    ``"decoder.weight_ih_l0"``, ..., ``"attention.query.weight"``, ``"attention.key.weight"``,
    ``"attention.key.bias"``, ``"attention.v.weight"``, ``"head.weight"``, ``"head.bias"``.

    Parameters
    ----------
    src_embed : Embedding(V_src, E)
    encoder : RNN, GRU or LSTM (input_size E, hidden_size H, batch_first=True, one direction)
    tgt_embed : Embedding(V_in, E), V_in >= V_out (the decoder's inputs include the start token)
    decoder : the same class as ``encoder``, with the same hidden_size and num_layers
    attention : AdditiveAttention(query_size=H, key_size=H, attention_size=A)
    head : Linear(2H, V_out)
    """

    def __init__(self, src_embed: Embedding, encoder, tgt_embed: Embedding, decoder, attention: AdditiveAttention,
                 head: Linear) -> None:
        check_encoder_decoder(src_embed, encoder, tgt_embed, decoder)
        H = encoder.hidden_size
        if not isinstance(head, Linear) or head.in_features != 2 * H:
            raise ValueError(f"head must be a lessonpkg Linear with in_features = 2 * hidden_size = {2 * H}, "
                             f"got {head!r}")
        check_vocab(tgt_embed, head)
        if not isinstance(attention, AdditiveAttention):
            raise TypeError(f"attention must be a lessonpkg AdditiveAttention, got {type(attention).__name__}")
        if attention.query_size != H or attention.key_size != H:
            raise ValueError(f"attention must have query_size = key_size = hidden_size = {H}, got "
                             f"{attention.query_size} and {attention.key_size}")
        for name, m in (("attention", attention), ("head", head)):
            check_dtype_of(m, encoder.dtype, name)
        super().__init__(encoder.dtype)
        self.src_embed, self.encoder, self.tgt_embed, self.decoder = src_embed, encoder, tgt_embed, decoder
        self.attention, self.head = attention, head  # registered in this order: "attention.query.weight", ...

    def encode(self, src: np.ndarray, src_lengths=None) -> tuple[np.ndarray, object, tuple]:
        """Run the encoder: keys (N, S, H), its final state (the decoder's h0) and the caches."""
        src = check_tokens(src, "src")
        lengths = None if src_lengths is None else check_int_array(src_lengths, "src_lengths")
        e_src, c_src = self.src_embed.forward(src)  # (N, S, E)
        keys, state, c_enc = self.encoder.forward(e_src, lengths=lengths)  # (N, S, H); each row's last valid state
        return keys, state, (c_src, c_enc, lengths)

    def forward(self, src: np.ndarray, src_lengths, tgt_in: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Teacher-forced scores: logits (N, V_out, T) for src (N, S), src_lengths (N,) or None and tgt_in (N, T).

        ``tgt_in[:, 0]`` is the start token and ``tgt_in[:, t]`` the true target
        token t - 1. The attention weights are in ``cache["weights"]`` (N, T, S).
        """
        tgt_in = check_tokens(tgt_in, "tgt_in")
        keys, state, c_encode = self.encode(src, src_lengths)
        if keys.shape[0] != tgt_in.shape[0]:
            raise ValueError(f"src and tgt_in must hold the same number of sequences N, got {keys.shape[0]} "
                             f"and {tgt_in.shape[0]}")
        e_tgt, c_tgt = self.tgt_embed.forward(tgt_in)  # (N, T, E)
        s, _, c_dec = self.decoder.forward(e_tgt, state)  # (N, T, H)
        (context, weights), c_att = self.attention.forward(s, keys, c_encode[2])  # (N, T, H), (N, T, S)
        logits, c_head = self.head.forward(np.concatenate([s, context], axis=-1))  # (N, T, V_out)
        cache = self.save_for_backward(encode=c_encode, tgt=c_tgt, dec=c_dec, att=c_att, head=c_head, weights=weights)
        return logits.transpose(0, 2, 1), cache

    def backward(self, dlogits: np.ndarray, cache: Cache) -> tuple[None, dict[str, np.ndarray]]:
        """Return ``None`` (tokens have no gradient) and ``grads`` keyed like ``params``; dlogits (N, V_out, T).

        The decoder's states get gradient from two places, the head and the
        attention's query; the encoder's outputs from the attention's keys, and
        its final state from the decoder's h0.
        """
        cache = self.check_cache(cache)
        dlogits = check_array(dlogits, "dlogits", dtype=self.dtype, shape=("N", "V", "T"))
        H = self.decoder.hidden_size
        dfeat, g_head = self.head.backward(dlogits.transpose(0, 2, 1), cache["head"])  # (N, T, 2H)
        dquery, dkeys, g_att = self.attention.backward((dfeat[..., H:], None), cache["att"])
        de_tgt, dstate, g_dec = self.decoder.backward(dfeat[..., :H] + dquery, cache["dec"])
        _, g_tgt = self.tgt_embed.backward(de_tgt, cache["tgt"])
        c_src, c_enc, _ = cache["encode"]
        de_src, _, g_enc = self.encoder.backward(dkeys, c_enc, dstate)
        _, g_src = self.src_embed.backward(de_src, c_src)
        return None, self.collect_grads(src_embed=g_src, encoder=g_enc, tgt_embed=g_tgt, decoder=g_dec,
                                        attention=g_att, head=g_head)

    def step_fn(self, src: np.ndarray):
        """A step function and initial state for ``lp.greedy_decode`` / ``lp.beam_search``, for one source (S,).

        ``log_probs, state = step(token, state)`` feeds ``token`` to the decoder,
        attends, and returns log P(next token) (V_out,); ``state`` is the decoder's
        state and the weights of every step so far, a tuple (T_so_far, S).
        """
        src = check_int_array(src, "src")
        if src.ndim != 1 or src.size == 0:
            raise ValueError(f"src must be one token sequence of shape (S,) with S >= 1, got {src.shape}")
        keys, state, _ = self.encode(src[None, :])
        keys = keys[0]  # (S, H)
        p = self.attention.params
        pk = keys @ p["key.weight"].T + p.get("key.bias", 0.0)  # (S, A), once per source
        w_q, v = p["query.weight"], p["v.weight"][0]
        emb, w_head, b_head = self.tgt_embed.params["weight"], self.head.params["weight"], self.head.params.get("bias")
        advance = _decoder_step(self.decoder)

        def step(token: int, st):  # the arithmetic of forward for one step, without the caches and checks
            h, history = st
            s, h_new = advance(emb[token][None, :], h)  # (1, H)
            weights = np.exp(log_softmax(np.tanh(s @ w_q.T + pk) @ v))  # (S,): e_s = tanh(q W_q^T + k_s W_k^T + b) v^T
            scores = np.concatenate([s[0], weights @ keys]) @ w_head.T  # (V_out,)
            if b_head is not None:
                scores = scores + b_head
            return log_softmax(scores), (h_new, history + (weights,))

        return step, (state, ())



def seq2seq_step_fn(model: Seq2Seq, src: np.ndarray):
    """The same step function for Chapter 3's ``Seq2Seq`` (no attention), for one source (S,)."""
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"model must be a lessonpkg Seq2Seq, got {type(model).__name__}")
    src = check_int_array(src, "src")
    if src.ndim != 1 or src.size == 0:
        raise ValueError(f"src must be one token sequence of shape (S,) with S >= 1, got {src.shape}")
    _, state, _ = model.encoder.forward(model.src_embed.forward(src[None, :])[0])
    emb, w_head, b_head = model.tgt_embed.params["weight"], model.head.params["weight"], model.head.params.get("bias")
    advance = _decoder_step(model.decoder)

    def step(token: int, h):
        s, h_new = advance(emb[token][None, :], h)  # (1, H)
        scores = s[0] @ w_head.T  # (V_out,)
        if b_head is not None:
            scores = scores + b_head
        return log_softmax(scores), h_new

    return step, state


def _decoder_step(decoder):
    """``s, state = advance(x, state)``: one decoder step on x (1, E); s (1, H) is the top layer's output.

    One-layer GRUs and LSTMs call the cell function directly (fast, for beam search);
    anything else runs the layer on a sequence of length 1.
    """
    if decoder.num_layers == 1 and isinstance(decoder, GRU):
        weights = decoder.weights("_l0")

        def advance(x, h):
            h1, _ = gru_cell_forward(x, h[0], *weights)
            return h1, h1[None]
    elif decoder.num_layers == 1 and isinstance(decoder, LSTM):
        weights = decoder.weights("_l0")

        def advance(x, hc):
            (h1, c1), _ = lstm_cell_forward(x, hc[0][0], hc[1][0], *weights)
            return h1, (h1[None], c1[None])
    else:
        def advance(x, state):
            out, state, _ = decoder.forward(x[:, None, :], state)  # (1, 1, H)
            return out[:, 0], state
    return advance
