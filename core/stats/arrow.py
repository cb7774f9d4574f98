"""Numpy column dicts as Arrow tables, for bulk inserts into the store (NaN / None = NULL)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def arrow_column(values: np.ndarray) -> pa.Array:
    # NaN in a float column and None in an object column both mean NULL.
    if values.dtype.kind == "f":
        return pa.array(values, mask=np.isnan(values))
    # Lists, not object arrays: pyarrow would import pandas to convert those (half a second).
    return pa.array(values.tolist()) if values.dtype == object else pa.array(values)


def arrow_table(table: dict[str, np.ndarray]) -> pa.Table:
    return pa.table({k: arrow_column(np.asarray(v)) for k, v in table.items()})
