"""One-to-many: a caption decoder whose initial state is computed from an image.

The image's pixels pass through a ``Linear`` layer and ``tanh`` to give the
decoder's initial hidden state; from there the decoder is a character language
model, as in the encoder-decoder of ``lessonpkg.seq2seq`` with a feed-forward
encoder::

    h0                 = tanh(image @ encoder.weight.T + encoder.bias)   # (N, H)
    out                = decoder(embed(tgt_in), h0)                      # (N, T, H)
    logits[:, :, t]    = out[:, t] @ head.weight.T + head.bias           # (N, V, T)

Training uses teacher forcing (``tgt_in`` holds the true previous characters);
``step_fn`` and ``init_state`` let ``lp.greedy_decode`` and ``lp.beam_search``
generate captions one character at a time. An LSTM decoder starts from
``(h0, 0)``.
"""

from __future__ import annotations

import numpy as np

from lessonpkg._validate import check_array, check_int, check_int_array
from lessonpkg.decode.search import beam_search, greedy_decode
from lessonpkg.metrics.sequence import error_rate, exact_match
from lessonpkg.models.heads import check_recurrent, hidden_part
from lessonpkg.models.seq2seq import check_dtype_of, check_vocab
from lessonpkg.nn.embedding import Embedding
from lessonpkg.nn.functional import log_softmax
from lessonpkg.nn.linear import Linear
from lessonpkg.nn.module import Cache, Module


class ImageCaptioner(Module):
    """``encoder`` (image to initial state), ``embed`` (characters), a recurrent ``decoder`` and a ``head``.

    ``params`` holds the children's arrays as ``"encoder.weight"``, ``"embed.weight"``,
    ``"decoder.weight_ih_l0"``, ..., ``"head.bias"``.

    Parameters
    ----------
    encoder : Linear(P, H), P pixels per image
    embed : Embedding(V_in, E), V_in >= V (the start token is an extra input)
    decoder : RNN, GRU or LSTM(E, H), one layer, one direction, batch_first=True
    head : Linear(H, V)
    """

    def __init__(self, encoder: Linear, embed: Embedding, decoder, head: Linear) -> None:
        decoder = check_recurrent(decoder, "decoder")
        if decoder.bidirectional:
            raise ValueError("decoder must have bidirectional=False: a generator cannot read the characters it has "
                             "not produced yet")
        if decoder.num_layers != 1:
            raise ValueError(f"decoder must have num_layers=1, got {decoder.num_layers}")
        for name, m, cls in (("encoder", encoder, Linear), ("embed", embed, Embedding), ("head", head, Linear)):
            if not isinstance(m, cls):
                raise TypeError(f"{name} must be a lessonpkg {cls.__name__}, got {type(m).__name__}")
        H = decoder.hidden_size
        pairs = (("encoder.out_features", encoder.out_features, "decoder.hidden_size", H),
                 ("embed.embedding_dim", embed.embedding_dim, "decoder.input_size", decoder.input_size),
                 ("head.in_features", head.in_features, "decoder.hidden_size", H))
        for a, va, b, vb in pairs:
            if va != vb:
                raise ValueError(f"{a} must equal {b}, got {va} and {vb}")
        check_vocab(embed, head)
        for name, m in (("encoder", encoder), ("embed", embed), ("head", head)):
            check_dtype_of(m, decoder.dtype, name)
        super().__init__(decoder.dtype)
        self.encoder, self.embed, self.decoder, self.head = encoder, embed, decoder, head  # registered in this order

    # -- the initial state ---------------------------------------------------------------------------
    def _check_images(self, images) -> np.ndarray:
        images = check_array(images, "images", dtype=self.dtype)
        P = self.encoder.in_features
        if images.ndim != 2 or images.shape[1] != P or images.shape[0] == 0:
            raise ValueError(f"images must have shape (N, {P}) with encoder.in_features={P} (flatten each image), "
                             f"got {images.shape}")
        return images

    def _state(self, h0: np.ndarray):
        """The decoder's initial state from h0 (N, H): (1, N, H), with a zero cell for an LSTM."""
        h0 = h0[None]
        return (h0, np.zeros_like(h0)) if len(self.decoder.state_names) == 2 else h0

    # -- teacher-forced scores -----------------------------------------------------------------------
    def forward(self, images: np.ndarray, tgt_in: np.ndarray) -> tuple[np.ndarray, Cache]:
        """Return logits (N, V, T) for images (N, P) and decoder inputs tgt_in (N, T) (BOS, then the caption)."""
        images = self._check_images(images)
        tgt_in = check_int_array(tgt_in, "tgt_in", low=0, high=self.embed.num_embeddings)
        if tgt_in.ndim != 2 or tgt_in.shape[0] != images.shape[0] or tgt_in.shape[1] == 0:
            raise ValueError(f"tgt_in must have shape ({images.shape[0]}, T) with T >= 1, got {tgt_in.shape}")
        pre, c_enc = self.encoder.forward(images)  # (N, H)
        h0 = np.tanh(pre)
        e, c_emb = self.embed.forward(tgt_in)  # (N, T, E)
        out, _, c_dec = self.decoder.forward(e, self._state(h0))  # (N, T, H)
        logits, c_head = self.head.forward(out)  # (N, T, V)
        return logits.transpose(0, 2, 1), self.save_for_backward(enc=c_enc, h0=h0, emb=c_emb, dec=c_dec, head=c_head)

    def backward(self, dlogits: np.ndarray, cache: Cache) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return ``dimages`` (N, P) and ``grads`` keyed like ``params``; dlogits is (N, V, T)."""
        c_enc, h0, c_emb, c_dec, c_head = self.check_cache(cache).values()
        dlogits = check_array(dlogits, "dlogits", dtype=self.dtype, shape=("N", "V", "T"))
        dout, g_head = self.head.backward(dlogits.transpose(0, 2, 1), c_head)  # (N, T, H)
        de, dstate, g_dec = self.decoder.backward(dout, c_dec)  # dstate: gradient of the initial state
        _, g_emb = self.embed.backward(de, c_emb)
        dpre = hidden_part(dstate)[0] * (1.0 - h0 ** 2)  # through tanh: (N, H)
        dimages, g_enc = self.encoder.backward(dpre, c_enc)
        return dimages, self.collect_grads(encoder=g_enc, embed=g_emb, decoder=g_dec, head=g_head)

    # -- generation ----------------------------------------------------------------------------------
    def init_state(self, image: np.ndarray):
        """The decoder's state before it reads the start token, for one image (P,)."""
        image = self._check_images(np.asarray(image)[None] if np.ndim(image) == 1 else image)
        if image.shape[0] != 1:
            raise ValueError(f"image must be one flattened image (P,), got {image.shape}")
        return self._state(np.tanh(self.encoder.forward(image)[0]))

    def step_fn(self, token: int, state) -> tuple[np.ndarray, object]:
        """Read one token; return log P(next token) (V,) and the new state (the interface of ``lp.greedy_decode``)."""
        e = self.embed.params["weight"][int(token)][None, None, :]  # (1, 1, E)
        out, state, _ = self.decoder.forward(e, state)  # (1, 1, H)
        logits, _ = self.head.forward(out[0, 0])  # (V,)
        return log_softmax(logits), state

    def generate(self, images: np.ndarray, bos: int, eos: int, max_len: int, beam_width: int = 1) -> list[list[int]]:
        """Tokens generated for every image (N, P): ``lp.greedy_decode`` if beam_width is 1, else the best beam."""
        images = self._check_images(images)
        beam_width = check_int(beam_width, "beam_width", low=1)
        result = []
        for image in images:
            state = self.init_state(image)
            if beam_width == 1:
                tokens, _ = greedy_decode(self.step_fn, state, max_len, eos, start=bos)
            else:
                tokens, _ = beam_search(self.step_fn, state, beam_width, max_len, eos, start=bos)[0]
            result.append(tokens)
        return result



def caption_scores(predicted, reference) -> tuple[float, float]:
    """Return ``(exact, cer)``: the share of captions that equal their reference exactly, and the character
    error rate, the summed edit distances divided by the summed reference lengths (``lessonpkg.metrics``)."""
    predicted, reference = list(predicted), list(reference)
    if len(predicted) != len(reference) or not reference:
        raise ValueError(f"predicted and reference must be non-empty and of equal length, got {len(predicted)} "
                         f"and {len(reference)}")
    if not all(isinstance(s, str) for s in predicted + reference):
        raise TypeError("predicted and reference must hold str")
    return exact_match(predicted, reference), error_rate(predicted, reference)
