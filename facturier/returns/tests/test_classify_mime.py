"""The classifier's own MIME reader (classify.mime) against the standard library's behaviour."""

from __future__ import annotations

import email.header

import pytest

from facturier.returns.classify import mime


def stdlib(value: str) -> str:
    return " ".join(str(email.header.make_header(email.header.decode_header(value))).split())


@pytest.mark.parametrize(
    "value",
    [
        "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= =?utf-8?q?R=C3=A9ponse_automatique_=3A_Facture?=",
        "Re: =?utf-8?B?w6k=?= x",
        "=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=",  # one character split across two words
        "=?iso-8859-1?q?Abwesenheitsnotiz=3A_Rechnung?=",
        "plain subject, no encoded word",
    ],
)
def test_encoded_words_decode_like_the_standard_library(value: str) -> None:
    assert mime.decode_words(value) == stdlib(value)


def test_rfc2231_language_suffix_of_an_encoded_word_is_ignored() -> None:
    assert mime.decode_words("=?UTF-8*fr?Q?R=C3=A9ponse?=") == "Réponse"


def test_broken_encoded_words_are_kept_as_text() -> None:
    assert mime.decode_words("a =?bad?x?zz?= b") == "a =?bad?x?zz?= b"
    assert mime.decode_words("=?no-such-charset?q?abc?=") == "abc"


def test_multipart_split_finds_parts_and_ignores_longer_boundaries() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=b1\n\npreamble\n--b1\nContent-Type: text/plain\n\none\n"
        b"--b1x\nnot a delimiter\n--b1\nContent-Type: text/html\n\n<p>two</p>\n--b1--\nepilogue\n"
    )
    msg = mime.parse(raw)
    assert [p.ctype for p in mime.leaves(msg)] == ["text/plain", "text/html"]
    assert "not a delimiter" in msg.children[0].text


def test_boundary_missing_from_the_header_is_recovered_from_the_body() -> None:
    raw = b"Content-Type: multipart/mixed;\nboundary=lost\n\n--real-boundary\n\nfirst\n--real-boundary--\n"
    assert [p.text.strip() for p in mime.leaves(mime.parse(raw))] == ["first"]


def test_folded_headers_unfold_and_header_block_without_blank_line_ends_at_the_first_non_header() -> None:
    msg = mime.parse(b"Subject: a\n b\nX-Y: 1\nthis line is body\nmore\n")
    assert mime.header(msg, "Subject") == "a b"
    assert msg.get("x-y") == "1"
    assert msg.body.startswith(b"this line is body")


def test_base64_with_garbage_and_bad_padding_decodes_what_it_can() -> None:
    part = mime.parse(b"Content-Transfer-Encoding: base64\nContent-Type: text/plain\n\nYm9u!!am91cg\n")
    assert part.text == "bonjour"
