"""The engine: how a learner's function is run and its results brought back to the checks.

- `codec`: values as safe data (JSON and `.npy`, never pickle), both directions, with caps;
- `kerascodec`: Keras models and training histories as configs and weight arrays;
- `figures`: matplotlib figures as a description that the judge draws again;
- `channel`: the learner's function as the suites see it, run in this process (the learner's
  own `pytest exercises/stepN`) or in a sandbox process (the grade);
- `sandbox`: the process that imports and runs the learner's code, and nothing else;
- `contain`: the grader's hold on every process a step starts (time, memory, escapees).

Both ways of running go through the same encoding, so they give the same verdicts.
"""
