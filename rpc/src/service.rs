//! Declaring a service once: the `service!` macro.

/// Declares a service: a module with its method ids, a `Service` trait for the serving side,
/// a `Server` that dispatches to it, and a typed `Client`.
///
/// Each method takes one argument and returns one value, both [`Payload`](crate::Payload)
/// (postcard; [`facet_payload!`](crate::facet_payload) implements it for a `facet::Facet`
/// type); handlers return `Result<_, RpcError>`. Method ids are FNV-1a hashes of
/// `"ServiceName.method"`, stable across builds.
///
/// # Examples
///
/// ```
/// use facet::Facet;
/// use rpc::RpcError;
///
/// #[derive(Facet, Debug, PartialEq)]
/// pub struct Sum { pub a: u32, pub b: u32 }
/// rpc::facet_payload!(Sum);
///
/// rpc::service! {
///     /// Arithmetic, for the example.
///     pub mod calc: "Calc" {
///         /// Adds two numbers.
///         fn add(input: Sum) -> u32;
///     }
/// }
///
/// struct Calculator;
/// impl calc::Service for Calculator {
///     async fn add(&self, input: Sum) -> Result<u32, RpcError> {
///         input.a.checked_add(input.b).ok_or_else(|| RpcError::remote("overflow"))
///     }
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let (a, b) = std::os::unix::net::UnixStream::pair()?;
///     let server = std::thread::spawn(move || {
///         let dispatcher = std::sync::Arc::new(calc::Server(Calculator));
///         rpc::Connection::new(b, rpc::Side::Cell, rpc::Config::default(), Some(dispatcher))
///     });
///     let host = rpc::Connection::new(a, rpc::Side::Host, rpc::Config::default(), None)?;
///     let _cell = server.join().unwrap()?;
///     let client = calc::Client::new(host);
///     assert_eq!(rpc::block_on(client.add(&Sum { a: 2, b: 3 }))?, 5);
///     assert!(rpc::block_on(client.add(&Sum { a: u32::MAX, b: 1 })).is_err());
///     Ok(())
/// }
/// ```
#[macro_export]
macro_rules! service {
    (
        $(#[$meta:meta])*
        $vis:vis mod $module:ident : $service:literal {
            $(
                $(#[$method_meta:meta])*
                fn $method:ident ( $arg:ident : $arg_ty:ty ) -> $ret:ty ;
            )*
        }
    ) => {
        $(#[$meta])*
        $vis mod $module {
            #[allow(unused_imports)]
            use super::*;

            /// The service's name on the wire.
            pub const NAME: &str = $service;

            /// Method ids of this service.
            #[allow(non_upper_case_globals)]
            pub mod methods {
                $(
                    #[doc = concat!("Id of `", stringify!($method), "`.")]
                    pub const $method: u32 = $crate::method_id($service, stringify!($method));
                )*
            }

            /// Implemented by the side that serves this service.
            pub trait Service: Send + Sync {
                $(
                    $(#[$method_meta])*
                    fn $method(&self, $arg: $arg_ty)
                        -> impl ::std::future::Future<Output = ::std::result::Result<$ret, $crate::RpcError>> + Send;
                )*
            }

            /// Dispatches requests for this service to a [`Service`] implementation.
            pub struct Server<T>(pub T);

            impl<T: Service> $crate::Dispatcher for Server<T> {
                fn dispatch<'a>(
                    &'a self,
                    method_id: u32,
                    payload: ::std::vec::Vec<u8>,
                ) -> ::std::option::Option<$crate::BoxFuture<'a, ::std::result::Result<::std::vec::Vec<u8>, $crate::RpcError>>> {
                    $(
                        if method_id == methods::$method {
                            return ::std::option::Option::Some(::std::boxed::Box::pin(async move {
                                let $arg = <$arg_ty as $crate::Payload>::decode_payload(&payload)?;
                                let output = self.0.$method($arg).await?;
                                $crate::Payload::encode_payload(&output)
                            }));
                        }
                    )*
                    let _ = payload;
                    ::std::option::Option::None
                }
            }

            impl<T: Service> $crate::Handles for Server<T> {
                fn handles(&self, method_id: u32) -> bool {
                    $(method_id == methods::$method ||)* false
                }
            }

            /// Calls this service over a connection.
            #[derive(Clone)]
            pub struct Client {
                connection: $crate::Connection,
            }

            impl Client {
                /// A client calling over `connection`.
                pub fn new(connection: $crate::Connection) -> Self {
                    Client { connection }
                }

                /// The connection it calls over.
                pub fn connection(&self) -> &$crate::Connection {
                    &self.connection
                }

                /// The same client, with `local` serving the nested requests the peer makes
                /// while serving these calls (instead of the connection's dispatcher).
                pub fn with<'a>(&'a self, local: &'a dyn $crate::Dispatcher) -> ClientWith<'a> {
                    ClientWith { connection: &self.connection, local }
                }

                $(
                    $(#[$method_meta])*
                    ///
                    /// The argument is encoded at once, so the future borrows only the client:
                    /// many calls can be in flight together.
                    pub fn $method<'s>(&'s self, $arg: &$arg_ty)
                        -> impl ::std::future::Future<Output = ::std::result::Result<$ret, $crate::RpcError>> + Send + use<'s>
                    {
                        let payload = $crate::Payload::encode_payload($arg);
                        async move {
                            let reply = self.connection.call(methods::$method, payload?).await?;
                            <$ret as $crate::Payload>::decode_payload(&reply)
                        }
                    }
                )*
            }

            /// A [`Client`] whose calls serve nested requests with a local dispatcher.
            pub struct ClientWith<'a> {
                connection: &'a $crate::Connection,
                local: &'a dyn $crate::Dispatcher,
            }

            impl<'a> ClientWith<'a> {
                $(
                    $(#[$method_meta])*
                    pub fn $method<'s>(&'s self, $arg: &$arg_ty)
                        -> impl ::std::future::Future<Output = ::std::result::Result<$ret, $crate::RpcError>> + Send + use<'s, 'a>
                    {
                        let payload = $crate::Payload::encode_payload($arg);
                        async move {
                            let reply = self.connection.call_with(methods::$method, payload?, self.local).await?;
                            <$ret as $crate::Payload>::decode_payload(&reply)
                        }
                    }
                )*
            }
        }
    };
}
