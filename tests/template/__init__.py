"""Template tests: the SAM template through the real translator, cfn-lint and sam validate."""
