//! The deployed key path: the key set read from Secrets Manager (moto, through the real SDK),
//! and rotation: after the secret gains a key, tokens signed with the previous key still verify
//! in every function, which reads the published public keys from the table.

use base64::Engine;
use roomwright_accounts::keys::{KeySet, KeySource, Signer};
use roomwright_core::auth::{
    AUDIENCE, AccessClaims, Role, Verifier, verifier::KeySource as VerifyKeys,
};
use roomwright_devstack::{TestStack, stack::TEST_ISSUER};

fn claims() -> AccessClaims {
    let now = roomwright_core::time::now().unix_timestamp();
    AccessClaims {
        sub: "usr_keys".into(),
        email: "keys@example.com".into(),
        role: Role::Designer,
        permissions: vec![],
        sid: "ses_keys".into(),
        iat: now,
        exp: now + 600,
        iss: TEST_ISSUER.into(),
        aud: AUDIENCE.into(),
    }
}

/// The key id in a token's header.
fn kid(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn keys_come_from_secrets_manager_and_the_previous_key_verifies_after_rotation() {
    let stack = TestStack::new().await;
    let (aws, table) = (&stack.state.aws, stack.state.table());
    let secrets = aws_sdk_secretsmanager::Client::new(aws.sdk_config().await);
    let name = format!("roomwright/test/jwt-keys-{}", table.name());
    let mut set = KeySet::generate().unwrap();
    secrets
        .create_secret()
        .name(&name)
        .secret_string(serde_json::to_string(&set).unwrap())
        .send()
        .await
        .unwrap();
    let before = Signer::new(KeySource::SecretsManager(name.clone()));
    let old_token = before.sign(aws, &table, &claims()).await.unwrap();
    assert_eq!(kid(&old_token), set.keys[0].kid);

    // Rotation: the secret gains a key; an instance started after it signs with the new key
    // and publishes both public keys.
    set.rotate().unwrap();
    secrets
        .put_secret_value()
        .secret_id(&name)
        .secret_string(serde_json::to_string(&set).unwrap())
        .send()
        .await
        .unwrap();
    let after = Signer::new(KeySource::SecretsManager(name));
    let new_token = after.sign(aws, &table, &claims()).await.unwrap();
    assert_eq!(kid(&new_token), set.keys[1].kid);
    assert_ne!(kid(&new_token), kid(&old_token));

    // Another function's instance verifies both from the table.
    let verifier = Verifier::new(TEST_ISSUER, AUDIENCE, VerifyKeys::Table(table.clone()));
    assert_eq!(verifier.verify(&new_token).await.unwrap().sub, "usr_keys");
    assert_eq!(
        verifier.verify(&old_token).await.unwrap().sub,
        "usr_keys",
        "a token signed before the rotation still verifies"
    );
}
