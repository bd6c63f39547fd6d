"""Build hook: the wheel carries content/, interaction_models/ and the policy pages
(docs/privacy.md, docs/terms.md) as skill/_data/.

The repository keeps a single copy of each at its top level (the project's layout);
this copies them into the built package so an installed ``hiprest`` finds them
through importlib.resources (skill/data.py). Editable installs skip the copy and
read the checkout directly. All metadata lives in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# folder -> the files of it the skill reads at run time (skill/data.py, skill/legal.py).
DATA = {
    "content": ("**/*.yaml",),
    "interaction_models": ("*.json", "generated/*.yaml"),
    "docs": ("privacy.md", "terms.md"),
    # What `hiprest package --deployer cfn` writes beside the skill package.
    "infra": ("requirements.txt", "skill-stack.yaml", "ask-build-hook.sh"),
}


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # skill/data.py falls back to the checkout's folders
        target = Path(self.build_lib) / "skill" / "_data"
        for name, patterns in DATA.items():
            shutil.rmtree(target / name, ignore_errors=True)
            for pattern in patterns:
                found = sorted((ROOT / name).glob(pattern))
                if not found:  # a wheel without them would fail only at run time
                    raise FileNotFoundError(f"{name}/{pattern}: nothing to ship")
                for src in found:
                    dest = target / name / src.relative_to(ROOT / name)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dest)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if getattr(self, "editable_mode", False):
            return outputs
        target = Path(self.build_lib) / "skill" / "_data"
        outputs += [str(p) for p in target.rglob("*") if p.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildPyWithData})
