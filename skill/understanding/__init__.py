"""Understanding: what a person's words mean to Hip Rest (pure: no Flask, no ask-sdk).

* :mod:`skill.understanding.matcher` - text -> the request Alexa would send, from the
  interaction model (the console, the simulator and the tests use it as Alexa's NLU).
* :mod:`skill.understanding.understand` - text + context (the pending question, the
  locale) -> a capability request, an answer to the pending question, a red flag (or
  one short question about one), or not understood. Free text is triaged first.
* :mod:`skill.understanding.answers` - natural answers to the safety follow-up
  questions ("it's both", "my bum", "just the left", "I don't know").

Triage itself (the rules in content/en/safety.yaml) is :mod:`skill.core.triage`; the
Lambda path imports only ``answers`` and triage, never the matcher (cold start).
"""
