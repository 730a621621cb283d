"""What every test level shares: events, an IAM evaluator, record builders, moto tables."""
