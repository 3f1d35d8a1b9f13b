//! `auth-admin`: operator commands for the auth function.
//!
//! - `auth-admin new-keyset` prints a key set with one fresh RS256 key: store it as the
//!   Secrets Manager secret the stack's `JwtKeysSecretId` names.
//! - `auth-admin rotate < current.json` prints the set with a new signing key added and only the
//!   previous key kept; put it back into the secret, then restart the auth function.
//! - `auth-admin bootstrap-admin EMAIL NAME` creates the first admin in the table that
//!   `TABLE_NAME` and the AWS environment name, with the password from `ADMIN_PASSWORD`.

use std::io::Read;

use roomwright_accounts::{keys::KeySet, users};
use roomwright_core::{auth::Role, aws::Aws, dynamo::Table};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["new-keyset"] => println!("{}", serde_json::to_string_pretty(&KeySet::generate()?)?),
        ["rotate"] => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            let mut set: KeySet = serde_json::from_str(&text)?;
            set.rotate()?;
            println!("{}", serde_json::to_string_pretty(&set)?);
        }
        ["bootstrap-admin", email, name] => {
            let password = std::env::var("ADMIN_PASSWORD")
                .map_err(|_| "set ADMIN_PASSWORD to the new admin's password")?;
            let table_name = std::env::var("TABLE_NAME").map_err(|_| "set TABLE_NAME")?;
            let table = Table::new(std::sync::Arc::new(Aws::from_env()), table_name);
            match users::provision(&table, email, name, Role::Admin, &password).await {
                Ok(Some(user)) => println!("created admin {} ({})", user.email, user.id),
                Ok(None) => return Err(format!("{email} has an account already").into()),
                Err(e) => return Err(format!("{}: {:?}", e.code, e.errors).into()),
            }
        }
        _ => {
            eprintln!(
                "usage: auth-admin new-keyset | rotate < set.json | bootstrap-admin EMAIL NAME"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}
