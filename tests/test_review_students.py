"""`grader serve`'s students page a page at a time (500 students by default), with a search by
student id and a filter for the students with answers to review: a class of 50,000 was one
table of 50,000 rows."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_review_app import CLASS, HOSTILE_ID, KEYWORDS, REVIEWER, TOKEN, group_for

from grader import review_app
from grader.review_app import StudentsPage, create_app, students_page

# 1,203 students s0000 to s1202, every third with an answer waiting.
TOTALS = {f"s{n:04d}": (float(n % 7), 10.0, int(n % 3 == 0)) for n in range(1203)}


def ids(page: StudentsPage) -> list[str]:
    return [row[0] for row in page.rows]


@pytest.mark.parametrize(
    ("asked", "number", "first", "last"),
    [
        pytest.param("1", 1, "s0000", "s0499", id="the first page"),
        pytest.param("2", 2, "s0500", "s0999", id="the second"),
        pytest.param("3", 3, "s1000", "s1202", id="the last, shorter"),
        pytest.param("4", 3, "s1000", "s1202", id="past the end: the last"),
        pytest.param("99999999999999999999999", 3, "s1000", "s1202", id="far past the end"),
        pytest.param("9" * 5000, 3, "s1000", "s1202", id="past Python's digits for int()"),
        pytest.param("0" * 30 + "2", 2, "s0500", "s0999", id="2 after 30 zeros"),
        pytest.param("0", 1, "s0000", "s0499", id="0: the first"),
        pytest.param("-2", 1, "s0000", "s0499", id="negative: the first"),
        pytest.param("two", 1, "s0000", "s0499", id="not a number: the first"),
        pytest.param("", 1, "s0000", "s0499", id="empty: the first"),
        pytest.param("\u0663", 1, "s0000", "s0499", id="a digit not ASCII: the first"),
        pytest.param(" 2", 1, "s0000", "s0499", id="a space: the first"),
    ],
)
def test_a_page_of_the_class(asked, number, first, last):
    page = students_page(TOTALS, "", False, asked)
    assert (page.number, page.pages, page.matched) == (number, 3, 1203)
    assert (ids(page)[0], ids(page)[-1]) == (first, last)
    assert page.first == int(first[1:]) + 1
    assert page.rows[0] == (first, *TOTALS[first])


@pytest.mark.parametrize(
    ("find", "waiting", "matched", "shown"),
    [
        pytest.param(
            "119", False, 12, ["s0119", "s1119", *(f"s{n}" for n in range(1190, 1200))], id="id"
        ),
        pytest.param("S119", False, 10, [f"s{n}" for n in range(1190, 1200)], id="any case"),
        pytest.param("119", True, 4, ["s1119", "s1191", "s1194", "s1197"], id="and waiting"),
        pytest.param("", True, 401, None, id="waiting only"),
        pytest.param("x", False, 0, [], id="no one"),
    ],
)
def test_students_found_by_id_and_by_waiting(find, waiting, matched, shown):
    page = students_page(TOTALS, find, waiting, "1")
    assert page.matched == matched
    assert page.pages == max(1, -(-matched // 500))
    if shown is not None:
        assert ids(page) == shown
    assert all(find.casefold() in student for student in ids(page))
    assert all(TOTALS[student][2] for student in ids(page)) or not waiting


@given(
    st.dictionaries(
        st.text("ab", max_size=4), st.tuples(st.just(1.0), st.just(2.0), st.integers(0, 2))
    ),
    st.text("ab", max_size=2),
    st.booleans(),
    st.integers(1, 5),
    st.text(max_size=3),
)
def test_the_pages_cut_the_students_found_in_order_once_each(totals, find, waiting, size, asked):
    found = [s for s, marks in totals.items() if find in s and (marks[2] or not waiting)]
    first = students_page(totals, find, waiting, "1", size)
    pages = [students_page(totals, find, waiting, str(n), size) for n in range(1, first.pages + 1)]
    assert [student for page in pages for student in ids(page)] == found
    assert all(0 < len(page.rows) <= size for page in pages) or found == []
    any_page = students_page(totals, find, waiting, asked, size)
    assert 1 <= any_page.number <= first.pages and any_page.matched == len(found)


@pytest.fixture
def client(tmp_path, capsys, monkeypatch):
    from test_review_app import grade

    db = grade(tmp_path, {**CLASS, HOSTILE_ID: "token pixel"})
    capsys.readouterr()
    monkeypatch.setattr(review_app, "STUDENTS_A_PAGE", 4)
    client = create_app(db, REVIEWER, token=TOKEN).test_client()
    assert client.get(f"/students?token={TOKEN}").status_code == 302
    return client


def listed(page: str) -> list[str]:
    return re.findall(r'<a href="/student/[^"]+">([^<]+)</a>', page)


def test_the_next_links_walk_every_student_once_in_the_class_order(client, monkeypatch):
    page = client.get("/students").get_data(as_text=True)
    assert "21 students; showing 1 to 4, page 1 of 6." in page
    assert 'rel="prev"' not in page
    seen = listed(page)
    while (following := re.search(r'<a href="([^"]+)" rel="next">', page)) is not None:
        page = client.get(following.group(1).replace("&amp;", "&")).get_data(as_text=True)
        seen += listed(page)
    assert "page 6 of 6" in page and 'rel="prev"' in page
    monkeypatch.setattr(review_app, "STUDENTS_A_PAGE", 500)  # the class on one page
    whole = client.get("/students").get_data(as_text=True)
    assert "21 students." in whole and 'rel="next"' not in whole and "page 1" not in whole
    assert seen == listed(whole) and len(set(seen)) == 21


def test_found_by_id_then_by_answers_waiting(client):
    page = client.get("/students?find=G2-").get_data(as_text=True)
    assert listed(page) == ["g2-s0", "g2-s1", "g2-s2", "g2-s3"]
    assert "5 students match of 21; showing 1 to 4, page 1 of 2." in page
    assert 'value="G2-"' in page  # the search kept in its box
    following = re.search(r'<a href="([^"]+)" rel="next">', page).group(1)
    assert following == "/students?find=G2-&amp;waiting=&amp;page=2"
    # g1's answers decided: 15 students still wait (the 16 others but one answered wrong, not
    # waiting), g1's five do not
    group, csrf = group_for(client, KEYWORDS[1])
    students = [f"g1-s{n}" for n in range(5)]
    form = {"csrf": csrf, "marks": "1", "student": students}
    assert client.post(f"/group/{group}", data=form).status_code == 303
    page = client.get("/students?waiting=1&page=5").get_data(as_text=True)
    assert "15 students match of 21; showing 13 to 15, page 4 of 4." in page
    assert "checked" in page
    assert not set(students) & set(
        listed(client.get("/students?find=g1&waiting=1").get_data(as_text=True))
    )
    assert "0 students match of 21." in client.get("/students?find=g1&waiting=1").get_data(
        as_text=True
    )


def test_a_hostile_search_is_shown_as_text_and_cut(client):
    page = client.get("/students", query_string={"find": '"><script>x</script>'}).get_data(
        as_text=True
    )
    assert "<script>x" not in page
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
    long = client.get("/students", query_string={"find": "g" * 5000}).get_data(as_text=True)
    assert f'value="{"g" * 200}"' in long and "g" * 201 not in long
    assert "0 students match of 21." in long


def test_a_search_is_refused_without_the_token(client):
    # The search is a plain GET, a link a TA may keep; another browser without the token
    # (no cookie) is refused it, as every page.
    assert client.get("/students?find=g0&waiting=1").status_code == 200
    client.delete_cookie(next(iter(client._cookies.values())).key)
    assert client.get("/students?find=g0&waiting=1").status_code == 403
