//! Helpers shared by the integration tests: clients wired to a fake provider and a login that
//! goes through the fake's consent.

#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use oauth::fake::{FakeProvider, FakeUser};
use oauth::{callback, Authorization, CallbackQuery, Client, Provider, Url};

pub const REDIRECT: &str = "https://connect.test/auth/callback";

pub fn redirect_uri() -> Url {
    Url::parse(REDIRECT).unwrap()
}

/// A client of `fake` with a short timeout, so outage tests stay quick.
pub fn client(fake: &FakeProvider) -> Client {
    Client::new(fake.provider(), fake.config(redirect_uri())).with_timeout(Duration::from_secs(2))
}

pub fn user(subject: &str, email: Option<&str>, verified: bool, name: Option<&str>) -> FakeUser {
    FakeUser {
        subject: subject.to_owned(),
        email: email.map(str::to_owned),
        email_verified: verified,
        name: name.map(str::to_owned),
    }
}

/// Starts a login with `client`, lets `user` consent at `fake`, and checks the callback:
/// the authorization and the code it produced.
pub fn consent(fake: &FakeProvider, client: &Client, user: &FakeUser) -> (Authorization, String) {
    let authorization = client.start();
    let redirect = fake.authorize(user, &authorization.url).expect("fake accepts the authorize request");
    assert!(redirect.as_str().starts_with(REDIRECT), "redirect {redirect} goes to the callback");
    let query = CallbackQuery::from_url(&redirect);
    let code = callback(client.provider(), &query, &authorization.state).expect("callback carries a code");
    (authorization, code)
}

/// Starts a fake `provider`.
pub async fn fake(provider: Provider) -> FakeProvider {
    FakeProvider::start(provider).await
}

/// What a browser does with an authorize URL: one GET, expecting a 302 to the callback.
pub async fn follow(url: &Url) -> Url {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = http.get(url.clone()).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = response.headers()[reqwest::header::LOCATION].to_str().unwrap();
    Url::parse(location).unwrap()
}
