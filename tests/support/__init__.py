"""What tests share: fakes of the domain's ports, event builders, record builders."""
