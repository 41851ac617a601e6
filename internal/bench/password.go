package bench

import "calsync/internal/auth"

func hashPassword() (string, error) { return auth.HashPassword(benchPassword) }
