"""Who may do what: API tokens and review-UI users, with the roles admin, officer and viewer."""
