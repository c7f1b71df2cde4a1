//! Helpers shared by the integration tests: a client of a fake Toss, a registered card, charges,
//! and a webhook endpoint that records what it receives.

#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use tokio::sync::mpsc;
use toss::fake::FakeToss;
use toss::{Charge, Client, ExposeSecret as _, Payment, Url};

pub const CUSTOMER: &str = "cus_8f2b61c0";

pub async fn fake() -> FakeToss {
    FakeToss::start().await
}

/// A client of `fake` with a short timeout, so outage tests stay quick.
pub fn client(fake: &FakeToss) -> Client {
    let mut config = fake.config();
    config.timeout = Duration::from_secs(2);
    Client::new(config)
}

/// Registers a card for [`CUSTOMER`] and returns its billing key.
pub async fn billing_key(fake: &FakeToss, client: &Client) -> String {
    let auth_key = fake.authorize_card(CUSTOMER);
    let billing = client.issue_billing_key(&auth_key, CUSTOMER).await.expect("billing key issued");
    billing.billing_key.expose_secret().to_owned()
}

/// The monthly PRO charge of [`CUSTOMER`] under `order_id`.
pub fn pro_monthly(order_id: &str) -> Charge {
    Charge::new(CUSTOMER, 20_900, order_id, "Connect PRO 월간")
}

/// A DONE charge of 20 900 won.
pub async fn paid(fake: &FakeToss, client: &Client, order_id: &str) -> Payment {
    let billing_key = billing_key(fake, client).await;
    let idempotency_key = format!("idem-{order_id}");
    client.charge(&billing_key, &pro_monthly(order_id), &idempotency_key).await.expect("charge succeeds")
}

/// A webhook delivery as Connect's endpoint received it.
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A local endpoint answering 200 to every POST and handing each delivery to the test.
pub struct Receiver {
    pub url: Url,
    deliveries: mpsc::UnboundedReceiver<Delivery>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let (sender, deliveries) = mpsc::unbounded_channel();
        let app = axum::Router::new().route(
            "/webhooks/toss",
            post(move |headers: HeaderMap, body: Bytes| {
                let sender = sender.clone();
                async move {
                    let _ = sender.send(Delivery { headers, body });
                    "OK"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/webhooks/toss", listener.local_addr().unwrap())).unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, deliveries, server }
    }

    pub async fn next(&mut self) -> Delivery {
        self.deliveries.recv().await.expect("a delivery")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}
