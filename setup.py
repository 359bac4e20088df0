"""Package layout only (metadata lives in pyproject.toml): the top-level `data/` folder of the
repository is installed as the package `carbonlabel_data`, beside the code packages."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["footprint*", "lcidb*", "labels*", "tariffs*", "api*"]), "carbonlabel_data"],
    package_dir={"carbonlabel_data": "data"},
)
