"""Strings."""

from proctor.suite.spec import atomic
from proctor.suite.types import ints, texts, words

TOPIC = "strings"


@atomic(TOPIC, [("",), ("a",), ("ab",), ("racecar",), ("Hello, World",), ("  x y ",)])
def reverse_string(s: str) -> str:
    """Return s with its characters in reverse order."""
    return s[::-1]


@atomic(TOPIC, [("",), ("bcd",), ("AEIOU",), ("rhythm",), ("Queueing",), ("y a e",)])
def count_vowels(s: str) -> int:
    """Return how many characters of s are vowels (a, e, i, o, u in either case; y is not a vowel)."""
    return sum(1 for c in s.lower() if c in "aeiou")


@atomic(TOPIC, [("",), ("   ",), ("hello world",), ("hELLO   wORLD",), ("a",), ("x1 y2",)])
def capitalize_words(s: str) -> str:
    """Split s on whitespace, make each word's first character upper case and the rest lower case,
    and join the words with single spaces."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in s.split())


@atomic(TOPIC, [("",), ("a",), ("ab",), ("A man, a plan, a canal: Panama",), ("No lemon, no melon",), ("12 21",)])
def is_palindrome(s: str) -> bool:
    """Return True if s reads the same backwards, considering only letters and digits and ignoring case."""
    kept = [c.lower() for c in s if c.isalnum()]
    return kept == kept[::-1]


@atomic(TOPIC, [("",), ("a",), ("aaab",), ("abc",), ("aabbaa",), ("  ",)], [words(0, 10, "aab")])
def run_length_encode(s: str) -> str:
    """Encode runs of equal characters as the character followed by the run length ("aaab" -> "a3b1")."""
    out, i = [], 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        out.append(f"{s[i]}{j - i}")
        i = j
    return "".join(out)


@atomic(
    TOPIC, [("", 3), ("abc", 0), ("xyz", 3), ("Hello, World!", 13), ("abc", -1), ("Zz", 52)], [texts(), ints(-30, 30)]
)
def caesar_shift(s: str, k: int) -> str:
    """Shift every ASCII letter of s by k places in the alphabet (wrapping around, keeping its case);
    other characters stay as they are."""
    out = []
    for c in s:
        if "a" <= c <= "z":
            out.append(chr((ord(c) - 97 + k) % 26 + 97))
        elif "A" <= c <= "Z":
            out.append(chr((ord(c) - 65 + k) % 26 + 65))
        else:
            out.append(c)
    return "".join(out)


@atomic(TOPIC, [("",), ("   ",), ("one",), ("to be or not",), ("abc de fgh",), ("a bb cc",)])
def longest_word(s: str) -> str:
    """Return the longest whitespace-separated word of s (the first one on ties), or "" if there is none."""
    best = ""
    for word in s.split():
        if len(word) > len(best):
            best = word
    return best


@atomic(TOPIC, [("",), ("aaaa",), ("abcabc",), ("Mississippi",), ("a b a",), ("xyz",)])
def remove_duplicate_chars(s: str) -> str:
    """Return s keeping only the first occurrence of each character, in their original order."""
    seen, out = set(), []
    for c in s:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return "".join(out)


@atomic(TOPIC, [("",), ("123 !!",), ("Hello, World",), ("it's OK",), ("a-b_c",), ("ONE two",)])
def split_words(s: str) -> list[str]:
    """Return the maximal runs of ASCII letters in s, lower-cased, in order ("It's ok" -> ["it", "s", "ok"])."""
    import re

    return re.findall(r"[a-z]+", s.lower())


@atomic(TOPIC, [("", 5), ("ab", 0), ("ab", 3), ("x", 1), ("-", 20), ("hi ", 2)], [words(0, 4), ints(0, 6)])
def repeat_string(s: str, n: int) -> str:
    """Return s repeated n times. Raise ValueError if n is negative or above 20, or if s is longer than 1000."""
    if n < 0 or n > 20 or len(s) > 1000:
        raise ValueError("out of range")
    return s * n
