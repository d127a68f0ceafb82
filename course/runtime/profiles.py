"""The three sizes a lesson runs at: smoke, quick and full. Introduced in lesson 00.

Lessons read their sizes from the :class:`Profile` that ``course.setup.start()``
returns, never branch on its name, so the same code runs in every profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from course.runtime import settings
from course.runtime.errors import UsageError

ENV_VAR = settings.PROFILE


@dataclass(frozen=True)
class Profile:
    """How big a lesson's runs are. ``train_samples``/``test_samples`` of ``None`` mean
    the whole split."""

    name: str
    train_samples: int | None
    test_samples: int | None
    epochs: int
    batch_size: int
    width: float
    purpose: str

    def pick(self, *, smoke, quick, full):
        """The value for this profile, for sizes a lesson sets itself.

        >>> Profile.named("quick").pick(smoke=1, quick=3, full=5)
        3
        """
        return {"smoke": smoke, "quick": quick, "full": full}[self.name]

    def channels(self, n: int) -> int:
        """``n`` channels scaled by the profile's width (at least 4)."""
        return max(4, round(n * self.width))

    @staticmethod
    def named(name: str) -> Profile:
        try:
            return PROFILES[name]
        except KeyError:
            raise UsageError(
                f"{ENV_VAR}={name!r} is not a profile: use one of {', '.join(NAMES)} "
                f"(or leave it unset: 'full' when a GPU is visible, else 'quick')"
            ) from None


PROFILES = {
    p.name: p
    for p in (
        Profile("smoke", 512, 256, 1, 64, 0.25, "CI on CPU: seconds per lesson, bundled samples"),
        Profile("quick", 10_000, None, 3, 128, 0.5, "a laptop CPU: minutes per lesson"),
        Profile("full", None, None, 5, 128, 1.0, "a GPU: the source notes' scale"),
    )
}
NAMES = tuple(PROFILES)


def resolve(gpu_visible, environ=None) -> Profile:
    """The profile ``COURSE_PROFILE`` names, else ``full`` with a GPU and ``quick`` without.

    ``gpu_visible`` is a bool, or a function asked only when no profile is named (finding
    GPUs starts TensorFlow).
    """
    name = settings.profile_name(environ)
    if name:
        return Profile.named(name)
    visible = gpu_visible() if callable(gpu_visible) else gpu_visible
    return PROFILES["full" if visible else "quick"]


def resolve_profile(environ=None, gpu_visible=None) -> Profile:
    """:func:`resolve`, finding GPUs (``runtime.devices``) only when it has to."""
    from course.runtime import devices

    return resolve(lambda: bool(devices.gpus()) if gpu_visible is None else gpu_visible,
                   environ)


def asked_for_smoke(environ=None) -> bool:
    """Whether ``COURSE_PROFILE`` names the smoke profile (without looking for a GPU)."""
    return settings.profile_name(environ) == "smoke"
