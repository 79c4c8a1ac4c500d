//! Multi-row `INSERT`s, shared by the importers and the repository (a module of its own,
//! so neither depends on the other for it).

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::error::Result;

/// SQLite's limit on bound parameters per statement is 32,766; stay well below it.
pub(crate) const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` into `table` with multi-row `INSERT`s.
pub(crate) async fn bulk_insert<T>(
    conn: &mut SqliteConnection,
    head: &str,
    columns: usize,
    rows: &[T],
    tail: &str,
    mut bind: impl FnMut(&mut sqlx::query_builder::Separated<'_, '_, Sqlite, &'static str>, &T),
) -> Result<()> {
    for chunk in rows.chunks((MAX_PARAMS / columns).max(1)) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(head);
        qb.push_values(chunk, |mut b, row| bind(&mut b, row));
        qb.push(tail);
        qb.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts `rows`, consumed (their strings move into the statement, no copies), with
/// multi-row `INSERT`s of `MAX_PARAMS / columns` rows. Those full-size statements all have
/// the same text, so they are prepared once and kept in the connection's statement cache
/// (a streamed import runs thousands of them); only the shorter last one is not kept.
/// Each statement is built while SQLite runs the previous one on its own thread.
pub(crate) async fn bulk_insert_owned<T>(
    conn: &mut SqliteConnection,
    head: &str,
    columns: usize,
    rows: Vec<T>,
    mut bind: impl FnMut(&mut sqlx::query_builder::Separated<'_, '_, Sqlite, &'static str>, T),
) -> Result<()> {
    let per = (MAX_PARAMS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    let mut build = move |rows: &mut std::iter::Peekable<std::vec::IntoIter<T>>| {
        rows.peek()?;
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(head);
        let mut n = 0;
        qb.push_values(rows.by_ref().take(per), |mut b, row| {
            n += 1;
            bind(&mut b, row);
        });
        Some((qb, n == per))
    };
    let mut next = build(&mut rows);
    while let Some((mut qb, full)) = next.take() {
        let run = qb.build().persistent(full).execute(&mut *conn);
        // `run` hands the statement to SQLite's thread on its first poll; the next one is
        // built meanwhile.
        let (ran, built) = tokio::join!(run, async { build(&mut rows) });
        ran?;
        next = built;
    }
    Ok(())
}
