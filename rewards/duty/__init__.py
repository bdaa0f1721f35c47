"""Patrols and volunteer duty: activities, their shifts, sign-ups with a waiting list,
check-in at the assembly point, and attendance that earns points."""
