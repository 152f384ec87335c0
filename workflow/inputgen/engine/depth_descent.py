"""The descent settings of the depth studies (layer autoencoding, fully connected nets, the
invertible net, MNIST training), flat as in their config sections: a base of their stages'
settings dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform.stage import knob


@dataclass(frozen=True)
class DepthDescent:
    """The descent settings of the depth studies, flat as in their config sections: normalised
    or plain steps, with the stage's ``priors`` where it has them."""

    steps: int = knob("descent iterations (per layer, net or checkpoint, as the stage says)")
    lr: float = knob("first step size")
    lr_end: float | None = knob("last step size (linear decay; null: constant)")
    momentum: float = knob("momentum of the steps")
    rule: str = knob("normalized (unit mean |step|) or gradient (source article 3's plain step)")

    @property
    def descent(self):
        from inputgen.engine.optimize import Descent

        return Descent(
            steps=self.steps,
            lr=self.lr,
            lr_end=self.lr_end,
            rule=self.rule,
            momentum=self.momentum,
            priors=getattr(self, "priors", {}),
        )
