/** A mistake in a control request or a direct Simulator call (answered 400 by the control API). */
export class ControlError extends Error {}
