"""Storage: SQLModel tables, the async engine, repositories, the batched recorder and KPI queries."""
