"""The teacher's side: grade a whole class, and see which mistakes it made.

- `catalogue`: the stable mistake codes (`step3.dropout-drops-half-of-the-features`), derived
  from the suites' test names in the manifest, with what each means and the hint it points to;
- `submissions`: one student's folder or `.zip` turned into a clean folder holding only their
  learner files (safely extracted, size-capped), and the hash that says whether it changed;
- `gradebook`: `results.jsonl` (appended as submissions finish, resumable), `gradebook.csv`,
  sharding and merging;
- `html`: the self-contained `report.html`;
- `cli`: `python grader.py class ...` and `python grader.py merge ...`.
"""
