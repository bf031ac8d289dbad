//! A test database: three inputs and any number of `u32 -> u64` derived queries, each logging
//! its executions, plus small async helpers (join, gate, yield) for driving futures by hand.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use picante::{
    BoxFuture, DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputIngredient, PicanteResult, QueryKindId, Revision, Runtime,
};

pub type Compute =
    Box<dyn for<'db> Fn(&'db Db, u32) -> BoxFuture<'db, PicanteResult<u64>> + Send + Sync>;

/// A named derived query, before it joins a database.
pub struct QuerySpec {
    name: &'static str,
    compute: Compute,
}

/// Declares a derived query `name` computing with `compute`.
pub fn query<F>(name: &'static str, compute: F) -> QuerySpec
where
    F: for<'db> Fn(&'db Db, u32) -> BoxFuture<'db, PicanteResult<u64>> + Send + Sync + 'static,
{
    QuerySpec { name, compute: Box::new(compute) }
}

/// Every test query maps a `u32` key to a `u64`.
pub type Query = DerivedIngredient<Db, u32, u64>;

/// A value whose comparison panics when either side says so, after calling `on_compare`
/// (a test's hook, to act while a write is under way).
#[derive(facet::Facet, Clone, Debug)]
pub struct Touchy {
    pub value: u64,
    pub panics: bool,
}

/// Called by a panicking [`Touchy`] comparison before it panics.
pub static ON_COMPARE: Mutex<Option<fn()>> = Mutex::new(None);

impl PartialEq for Touchy {
    fn eq(&self, other: &Touchy) -> bool {
        if self.panics || other.panics {
            let hook = *ON_COMPARE.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(hook) = hook {
                hook();
            }
            panic!("Touchy refuses to be compared");
        }
        self.value == other.value
    }
}

pub struct Db {
    runtime: Runtime,
    registry: IngredientRegistry<Db>,
    pub num: Arc<InputIngredient<u32, u64>>,
    pub text: Arc<InputIngredient<u32, String>>,
    pub touchy: Arc<InputIngredient<u32, Touchy>>,
    queries: Vec<(&'static str, Arc<Query>)>,
    log: Mutex<Vec<String>>,
}

impl HasRuntime for Db {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl IngredientLookup for Db {
    fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
        self.registry.ingredient(kind)
    }
}

impl Db {
    pub fn new(specs: Vec<QuerySpec>) -> Db {
        let num = Arc::new(InputIngredient::new(QueryKindId(1), "num"));
        let text = Arc::new(InputIngredient::new(QueryKindId(2), "text"));
        let touchy = Arc::new(InputIngredient::new(QueryKindId(3), "touchy"));
        let mut registry = IngredientRegistry::new();
        registry.register(num.clone());
        registry.register(text.clone());
        registry.register(touchy.clone());
        let mut queries = Vec::new();
        for (i, spec) in specs.into_iter().enumerate() {
            let name = spec.name;
            let compute = spec.compute;
            let ingredient = Arc::new(DerivedIngredient::new(
                QueryKindId(10 + i as u32),
                name,
                move |db: &Db, key: u32| {
                    db.log.lock().unwrap().push(format!("{name}({key})"));
                    compute(db, key)
                },
            ));
            registry.register(ingredient.clone());
            queries.push((name, ingredient));
        }
        let log = Mutex::new(Vec::new());
        Db { runtime: Runtime::new(), registry, num, text, touchy, queries, log }
    }

    /// The registry, for the debug views.
    pub fn registry(&self) -> &IngredientRegistry<Db> {
        &self.registry
    }

    /// Every ingredient, for saving and loading.
    pub fn persistable(&self) -> Vec<&dyn picante::persist::PersistableIngredient> {
        let mut all: Vec<&dyn picante::persist::PersistableIngredient> =
            vec![&*self.num, &*self.text, &*self.touchy];
        all.extend(
            self.queries.iter().map(|(_, q)| &**q as &dyn picante::persist::PersistableIngredient),
        );
        all
    }

    /// The derived query called `name`.
    pub fn q(&self, name: &str) -> &Query {
        match self.queries.iter().find(|(n, _)| *n == name) {
            Some((_, q)) => q,
            None => panic!("test database has no query {name}"),
        }
    }

    /// Reads query `name` at `key`, blocking this thread.
    pub fn get(&self, name: &str, key: u32) -> PicanteResult<u64> {
        pollster::block_on(self.q(name).get(self, key))
    }

    /// Reads input `num[key]` (0 if unset), recording the dependency.
    pub fn num(&self, key: u32) -> PicanteResult<u64> {
        Ok(self.num.get(self, &key)?.unwrap_or(0))
    }

    pub fn set_num(&self, key: u32, value: u64) -> Revision {
        self.num.set(self, key, value).unwrap()
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    pub fn revision(&self) -> Revision {
        self.runtime.current_revision()
    }

    /// The executions logged since the last call, sorted.
    pub fn take_log(&self) -> Vec<String> {
        let mut log = std::mem::take(&mut *self.log.lock().unwrap());
        log.sort();
        log
    }
}

/// Sorted owned strings, to compare with `take_log`.
pub fn logged(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Polls two futures together on one task until both are done.
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = Box::pin(MaybeDone::Pending(a));
    let mut b = Box::pin(MaybeDone::Pending(b));
    std::future::poll_fn(|cx| {
        let a_ready = a.as_mut().poll_step(cx);
        let b_ready = b.as_mut().poll_step(cx);
        if a_ready && b_ready { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    (a.as_mut().take(), b.as_mut().take())
}

enum MaybeDone<F: Future> {
    Pending(F),
    Done(F::Output),
    Taken,
}

impl<F: Future> MaybeDone<F> {
    fn poll_step(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        // SAFETY: we never move the future out of `Pending` while it is pinned; we replace the
        // whole enum only once the future has completed.
        let this = unsafe { self.get_unchecked_mut() };
        match this {
            MaybeDone::Pending(fut) => {
                // SAFETY: `this` is pinned (it came from a `Pin<&mut Self>`), so is the field.
                let fut = unsafe { Pin::new_unchecked(fut) };
                match fut.poll(cx) {
                    Poll::Ready(out) => {
                        *this = MaybeDone::Done(out);
                        true
                    }
                    Poll::Pending => false,
                }
            }
            _ => true,
        }
    }

    fn take(self: Pin<&mut Self>) -> F::Output {
        // SAFETY: only called after completion, when no pinned future is left inside.
        let this = unsafe { self.get_unchecked_mut() };
        match std::mem::replace(this, MaybeDone::Taken) {
            MaybeDone::Done(out) => out,
            _ => panic!("join output taken twice"),
        }
    }
}

/// A future that is pending until `open` is called (from any thread).
#[derive(Clone, Default)]
pub struct Gate {
    inner: Arc<(AtomicBool, Mutex<Vec<Waker>>)>,
}

impl Gate {
    pub fn open(&self) {
        self.inner.0.store(true, Ordering::SeqCst);
        for w in std::mem::take(&mut *self.inner.1.lock().unwrap()) {
            w.wake();
        }
    }

    pub fn wait(&self) -> impl Future<Output = ()> + Send + '_ {
        std::future::poll_fn(move |cx| {
            if self.inner.0.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            self.inner.1.lock().unwrap().push(cx.waker().clone());
            if self.inner.0.load(Ordering::SeqCst) { Poll::Ready(()) } else { Poll::Pending }
        })
    }
}

/// Returns `Pending` once (waking itself), then `Ready`.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// A waker that counts its wake-ups.
#[derive(Default)]
pub struct CountingWaker(pub std::sync::atomic::AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `fut` once with a counting waker.
pub fn poll_once<F: Future + Unpin>(fut: &mut F, waker: &Arc<CountingWaker>) -> Poll<F::Output> {
    let waker = Waker::from(waker.clone());
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Runs `f` on its own thread and fails the test if it takes longer than `limit` (a hang).
pub fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(_) => panic!("did not finish within {limit:?}: a hang"),
    }
}
