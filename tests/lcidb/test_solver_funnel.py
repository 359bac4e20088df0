"""One solver funnel: PARDISO where pypardiso imports, SuperLU otherwise (lcidb.solve.factorize).

pypardiso is an optional extra (MKL, ~1.2 GB) that the test environment does not install, so
the PARDISO branch runs against a stand-in module with pypardiso's interface
(PyPardisoSolver.factorize(A), .solve(A, b)) that solves with SciPy: what is tested is the
funnel's choice and its solve(b, trans) contract, not MKL."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from lcidb import solve

# A = [[1, -0.5], [-0.2, 1]]: det = 0.9; A x = (1, 0) gives x = (1/0.9, 0.2/0.9);
# A^T y = (1, 0) gives y = (1/0.9, 0.5/0.9).
A = sp.csc_matrix(np.array([[1.0, -0.5], [-0.2, 1.0]]))


class _StandInSolver:
    def factorize(self, matrix: sp.csr_matrix) -> None:
        self.lu = spla.splu(sp.csc_matrix(matrix))

    def solve(self, matrix: sp.csr_matrix, rhs: np.ndarray) -> np.ndarray:
        return np.squeeze(self.lu.solve(rhs))


@pytest.fixture
def stand_in_pardiso(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("pypardiso")
    module.PyPardisoSolver = _StandInSolver  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pypardiso", module)


def test_superlu_without_pypardiso(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pypardiso", None)  # import fails
    assert solve.solver_name() == "superlu"
    lu = solve.factorize(A)
    assert isinstance(lu, spla.SuperLU)
    assert lu.solve(np.array([1.0, 0.0])) == pytest.approx([1 / 0.9, 0.2 / 0.9], rel=1e-14)


def test_pardiso_when_it_imports(stand_in_pardiso: None) -> None:
    assert solve.solver_name() == "pardiso"
    lu = solve.factorize(A)
    assert not isinstance(lu, spla.SuperLU)
    assert lu.solve(np.array([1.0, 0.0])) == pytest.approx([1 / 0.9, 0.2 / 0.9], rel=1e-14)
    assert lu.solve(np.array([1.0, 0.0]), trans="T") == pytest.approx([1 / 0.9, 0.5 / 0.9], rel=1e-14)
    block = lu.solve(np.eye(2))
    assert block.shape == (2, 2) and block @ np.array([1.0, 0.0]) == pytest.approx([1 / 0.9, 0.2 / 0.9])


def test_environment_forces_superlu(stand_in_pardiso: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(solve.SOLVER_ENV, "superlu")
    assert solve.solver_name() == "superlu"
    assert isinstance(solve.factorize(A), spla.SuperLU)
