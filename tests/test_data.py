"""Points and CSV files are validated; bad input gives one clear line."""

import numpy as np
import pytest

from engine.data import DataError, from_points, generate, parse_csv, to_csv
from engine.limits import MAX_POINTS


def test_csv_round_trip():
    ds = generate("spiral", 60, 0.1, seed=2, classes=3)
    back = parse_csv(to_csv(ds), "classification")
    np.testing.assert_allclose(back.x, ds.x, rtol=1e-5)
    np.testing.assert_array_equal(back.y, ds.y)
    np.testing.assert_array_equal(back.test, ds.test)
    reg = generate("sine", 30)
    assert parse_csv(to_csv(reg), "regression").x.shape == (30, 1)


def test_csv_without_header():
    ds = parse_csv("0,0,0\n1,1,1\n2,2,1\n", "classification")
    assert ds.n == 3 and ds.classes == 2


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffx1,x2,label\n0,0,0\n1,1,1\n",  # Excel "CSV UTF-8": a byte-order mark first
        "x1;x2;label\n0;0;0\n1;1;1\n",  # Excel in a locale whose decimal mark is a comma
        "x1\tx2\tlabel\n0\t0\t0\n1\t1\t1\n",
        "x1;x2;label\r\n0,0;0;0\r\n1,0;1;1\r\n",  # … with decimal commas
    ],
)
def test_csv_from_spreadsheets(text):
    ds = parse_csv(text, "classification")
    assert ds.n == 2 and ds.x.tolist() == [[0, 0], [1, 1]] and ds.y.tolist() == [0, 1]


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "CSV is empty"),
        ("x1,x2,label\n", "CSV has a header but no rows"),
        ("x1,x2,label\n1,2,0\n1,abc,1\n", "line 3: 'abc' is not a number"),
        ("x1,x2,label\n1,2\n", "line 2: expected 3 columns, got 2"),
        ("x1,x2,label\n1,2,0.5\n3,4,1\n", "whole numbers"),
        ("x1,x2,label\n1,2,0\n3,4,9\n", "classes"),
        ("x1,x2,label\n1,nan,0\n3,4,1\n", "finite"),
        ("x1,x2,label,set\n1,2,0,maybe\n", "set must be train or test"),
        ("a\n1\n", "input columns"),
        ("x,y\n0,0\n1,1\n", "classification needs 2 input columns"),  # y(x) is curve fitting
    ],
)
def test_bad_csv_one_line(text, message):
    with pytest.raises(DataError) as e:
        parse_csv(text, "classification")
    assert message in str(e.value) and "\n" not in str(e.value)


def test_row_limit():
    rows = "\n".join("1,2,0" for _ in range(MAX_POINTS + 1))
    with pytest.raises(DataError, match="limit"):
        parse_csv(rows, "classification")


def test_vector_targets():
    ds = from_points([[1, 2], [3, 4]], [[3, 4], [5, 6]], "regression")
    assert ds.y.shape == (2, 2) and ds.n_targets == 2


def test_add_points_is_validated():
    ds = generate("circle", 20)
    assert ds.add(np.array([[0.0, 0.0]]), np.array([1])).n == 21
    with pytest.raises(DataError):
        ds.add(np.array([[np.inf, 0.0]]), np.array([1]))
    with pytest.raises(DataError):
        ds.add(np.array([[0.0, 0.0]]), np.array([5]))
