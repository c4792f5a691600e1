"""From passages to a checked answer: what the model is shown of each passage, the prompt (untrusted text kept
inert), support scores, citation markers and their attribution, refusals, and saved conversations."""
