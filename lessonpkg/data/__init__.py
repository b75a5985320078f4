"""Datasets for the chapters: real data shipped inside pip packages, or generated deterministically.

Every loader returns seeded train/validation/test splits and documents where its data comes from
and under what licence. Nothing is downloaded. Every dataset turns its tokens into indices with the
one ``Vocab`` (``lessonpkg.data.vocab``) and pads its sequences with the one ``pad_sequences``
(``lessonpkg.data.padding``).
"""

from lessonpkg.data import (  # noqa: F401
    captions,  # lp.data.captions.number_name, encode_captions: digit captions, Chapter 15
    cmu,  # lp.data.cmu.load_cmudict: CMU Pronouncing Dictionary (word, phonemes) pairs, Chapter 10
    entities,  # lp.data.entities.load_entities: generated sentences tagged PER/NUM, Chapter 15
    music,  # lp.data.music.load_chorales: Bach chorale melodies as pitch and duration tokens, Chapter 14
    names,  # lp.data.names.load_names: US census first names, Chapter 8; load_names_by_sex, Chapter 9
    sentiment,  # lp.data.sentiment.load_sentiment: generated reviews with negation, Chapter 9
    speech,  # lp.data.speech.load_spoken_digits: generated spoken digits, Chapter 12
    uea,  # lp.data.uea.load_uea: real UCR/UEA series from sktime (JapaneseVowels, BasicMotions, GunPoint)
)
from lessonpkg.data.codetext import CodeText, code_tags, encode_text, make_code_text  # noqa: F401
from lessonpkg.data.digits import DigitSequences, load_digits_sequences  # noqa: F401
from lessonpkg.data.padding import pad_sequences  # noqa: F401
from lessonpkg.data.seqtasks import (  # noqa: F401
    BracketDepth,
    DigitTransduction,
    make_bracket_depth,
    make_digit_transduction,
    make_sine_curves,
)
from lessonpkg.data.synthetic import adding_problem, delayed_recall  # noqa: F401
from lessonpkg.data.tabular import TabularSplits, load_iris_2d, stratified_split  # noqa: F401
from lessonpkg.data.timeseries import (  # noqa: F401
    Scaler,
    TimeSeries,
    load_sunspots,
    load_tbill_rate,
    make_random_walk,
    make_windows,
)
from lessonpkg.data.toy_text import (  # noqa: F401
    Vocabulary,
    make_sentences,
    next_word_counts,
    next_word_probabilities,
    sentence_probabilities,
)
from lessonpkg.data.vocab import Vocab  # noqa: F401
