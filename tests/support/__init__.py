"""What tests share: event builders, an IAM evaluator, record builders, fakes, moto tables."""
