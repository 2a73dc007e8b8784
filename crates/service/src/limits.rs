//! How much heavy work runs at once. A spreadsheet import parses megabytes of XML, an export
//! builds a workbook of the whole roster, a whole-scope report walks a province: each holds
//! memory, a core or a pooled connection for seconds. Without a bound, one user sending two
//! hundred exports at once took every connection of the pool and made everyone else wait ten
//! seconds. Requests past a bound are answered at once ("请稍后再试"), not queued.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ServiceError, ServiceResult};

/// Imports parsed at once, in the whole process: each may take a few hundred megabytes.
const IMPORTS: usize = 2;
/// Exports built at once, in the whole process.
const EXPORTS: usize = 4;
/// Heavy requests (exports, ledgers, whole-scope reports) of one account at once.
const PER_ACCOUNT: usize = 2;

/// Heavy requests running, by account.
type Running = Arc<Mutex<HashMap<i64, usize>>>;

pub(crate) struct Limits {
    imports: Arc<Semaphore>,
    exports: Arc<Semaphore>,
    accounts: Running,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            imports: Arc::new(Semaphore::new(IMPORTS)),
            exports: Arc::new(Semaphore::new(EXPORTS)),
            accounts: Arc::default(),
        }
    }
}

/// A place taken for one heavy request; dropping it frees the place.
pub(crate) struct Permit {
    _global: Option<OwnedSemaphorePermit>,
    account: Option<(Running, i64)>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some((accounts, id)) = &self.account {
            let mut accounts = accounts.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(running) = accounts.get_mut(id) {
                *running = running.saturating_sub(1);
                if *running == 0 {
                    accounts.remove(id);
                }
            }
        }
    }
}

/// What a heavy request is, for its bound and its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Heavy {
    Import,
    Export,
    Report,
}

impl Limits {
    /// Takes a place for a heavy request of `account` (none: the server's shell, unbounded
    /// per account), or answers that it must wait.
    pub(crate) fn take(&self, kind: Heavy, account: Option<i64>) -> ServiceResult<Permit> {
        let account = match account {
            Some(id) => {
                let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
                let running = accounts.entry(id).or_insert(0);
                if *running >= PER_ACCOUNT {
                    return Err(ServiceError::Busy(
                        "您已有两项导出或统计正在进行，请等它们完成后再试",
                    ));
                }
                *running += 1;
                Some((Arc::clone(&self.accounts), id))
            }
            None => None,
        };
        // From here the account's place is held by the permit, freed if the global one fails.
        let mut permit = Permit {
            _global: None,
            account,
        };
        let (semaphore, message) = match kind {
            Heavy::Import => (&self.imports, "另有表格正在检查或导入，请稍后再试"),
            Heavy::Export => (&self.exports, "系统正在生成其他导出文件，请稍后再试"),
            Heavy::Report => return Ok(permit),
        };
        permit._global = Some(
            Arc::clone(semaphore)
                .try_acquire_owned()
                .map_err(|_| ServiceError::Busy(message))?,
        );
        Ok(permit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_account_holds_two_places_and_frees_them() {
        let limits = Limits::default();
        let first = limits.take(Heavy::Report, Some(1)).unwrap();
        let _second = limits.take(Heavy::Export, Some(1)).unwrap();
        assert!(matches!(
            limits.take(Heavy::Report, Some(1)),
            Err(ServiceError::Busy(_))
        ));
        // Another account is not held up.
        assert!(limits.take(Heavy::Report, Some(2)).is_ok());
        drop(first);
        assert!(limits.take(Heavy::Report, Some(1)).is_ok());
    }

    #[test]
    fn imports_are_bounded_for_everyone_and_a_refusal_frees_the_accounts_place() {
        let limits = Limits::default();
        let held: Vec<_> = (0..IMPORTS)
            .map(|i| limits.take(Heavy::Import, Some(i as i64)).unwrap())
            .collect();
        assert!(matches!(
            limits.take(Heavy::Import, Some(99)),
            Err(ServiceError::Busy(_))
        ));
        assert!(limits.take(Heavy::Report, Some(99)).is_ok());
        assert!(limits.take(Heavy::Import, None).is_err());
        drop(held);
        assert!(limits.take(Heavy::Import, None).is_ok());
    }
}
