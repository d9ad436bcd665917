"""How reports in other languages than English write what the reader looks for: Chinese,
Japanese and Korean text that puts no space around a Latin word ("我使用tensorflow 1.14.0"),
full-width punctuation typed by their input methods ("python版本：3.8，"), and the words for
"version", "import", "solution" and "latest" (版本, バージョン, 버전, версия, versão, versión...).

Only what a version or a label is read from is made ASCII; code and error messages are never
rewritten, since the verdict compares a message character by character with the run's."""

from __future__ import annotations

# Han, kana and Hangul: scripts written without spaces between words, so a Latin name or a
# number glued to them ("在tf1.4.0上", "keras 2.2.4上不行") still ends there.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
# A word character of a script that separates its words with spaces: what a name must not be
# glued to ("tensorflow_hub", "mytf2.0"); `\w` counts CJK characters too.
LATIN_WORD = rf"[^\W{CJK}]"
# A name's start and end: not inside a longer word, nor a path's or a dotted name's part.
NAME_START = rf"(?<![.\-/\\])(?<!{LATIN_WORD})"
NAME_END = rf"(?!-|{LATIN_WORD})"

# "version" as the label of a value: Chinese 版本 (and 版本号, "version number"), Japanese
# バージョン, Korean 버전, Russian версия, Portuguese versão, Spanish versión, Turkish sürüm,
# Vietnamese phiên bản. The Latin and Cyrillic words end at a word boundary; CJK ones may be
# glued to the number that follows ("版本号1.12.0").
VERSION_WORDS = (
    r"(?:(?:версия|версии|версию|versão|versao|versión|sürüm(?:ü|u)?|phiên\s+bản)\b"
    r"|版本号?|版本號|バージョン|버전)"
)
# A possessive between a name and its version word: "tensorflow的版本", "TensorFlowのバージョン",
# "텐서플로의 버전".
OF = r"(?:的|の|의)"
# "is" between a version word and its value: "版本是2.3.0", "バージョンは2.4.1".
IS = r"(?:是|为|為|は|는|은)"

# Full-width forms that Chinese, Japanese and Korean input methods type for ASCII punctuation
# and digits (U+FF01-U+FF5E are ASCII shifted by 0xFEE0; U+3000 is the ideographic space),
# and the enumeration comma 、. One character for one, so positions in the text stay the same.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {
    0x3000: ord(" "),
    0x3001: ord(","),
}


def ascii_punctuation(text: str) -> str:
    """`text` with full-width punctuation and digits as their ASCII forms, character for
    character: for reading versions and labels only, never code or a message."""
    return text.translate(_FULL_WIDTH)


# "import" as a verb before its module: Chinese 导入 / 導入 / 引入, Japanese インポート, Korean
# 임포트, Spanish and Portuguese "importar", Italian "importare", German "importieren", Russian
# "импорт" ("при импорте keras"), each with an article it may take ("ao importar o keras").
# Not French "importer" nor "important": English words ("the data importer fails").
IMPORT_BEFORE = (
    r"(?:(?:导入|導入|引入|インポート|임포트)[ \t]*"
    r"|\b(?:importar|importando|importieren|importare|импорт(?:е|а|ировать)?)[ \t]+"
    r"(?:(?:o|a|el|la|de|do|da|von|der|die|das)[ \t]+)?)"
)
# "import" after its module, as Japanese and Korean put the verb last: "kerasをインポートすると",
# "keras를 import하면", "keras 임포트 시".
# An English "import" after a name only with the particle: "keras import error" is no import.
IMPORT_AFTER = r"[ \t]*(?:(?:を|를|을)[ \t]*(?:インポート|import|임포트)|インポート|임포트)"
# What may end an import phrase in Chinese: 时 / 時 ("when"), or its punctuation.
PHRASE_ENDS = "时時，。、"

# "works" said after the versions in Chinese: "keras 2.2.4 tensorflow 1.13.0 可以用" (can be used),
# "换了keras==2.2.5解决了" (switched to it: solved), "就好了", "就行了" (then it was fine), "跑通了"
# (ran through); not after 不 / 没 ("不可以用", "没解决": does not work).
WORKS_AFTER = (
    r"[ \t]*(?:就|也|都)?[ \t]*(?<![不没])"
    r"(?:可以用|可以了|能用|能跑|好了|行了|解决了|没问题|没有问题|正常运行|跑通了?)"
)

# The label of the reporter's own fix: "解决办法：", "解決方法", "해결 방법", "Решение:",
# "Solução:", "Solución:", "Lösung:".
FIX_WORDS = (
    r"解决(?:办法|方法|方案)|解決(?:方法|策|方案)|해결\s*(?:방법|책)|решение|solução|solucao"
    r"|solución|solucion|lösung"
)
# "the latest" before a name: 最新 (and 最新版, 最新版本, 最新的), Japanese 最新の.
LATEST_WORDS = r"最新(?:版本?)?[的の]?[ \t]*"
