//! `dangjian`: the party-building work platform in one binary. This file parses the command
//! line and settings, starts logging and calls the library; errors end the program with one
//! clear line and a non-zero exit, never a panic.

mod files;
mod settings;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};
use dangjian_core::rules::RuleBook;
use dangjian_service::accounts::GrantForm;
use dangjian_service::audit::ChainReport;
use dangjian_service::demo::{DemoScale, DemoSummary};
use dangjian_service::{Database, InitialAdmin, ServiceError, Services, SystemClock};
use dangjian_web::{AppState, WebConfig};
use indicatif::{ProgressBar, ProgressStyle};
use settings::{Overrides, Settings};

/// glibc's allocator took a third of a page view's time under load (its arenas lock and
/// consolidate across the threads that serve requests and those that run SQLite); mimalloc
/// keeps per-thread pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 党建工作平台 — the party-building work platform of a municipal public security bureau.
///
/// With no subcommand it serves (`dangjian serve`). Settings come from `dangjian.toml` in the
/// working directory (or `--config`), then DANGJIAN_LISTEN, DANGJIAN_DATA_DIR,
/// DANGJIAN_DATABASE_URL, DANGJIAN_KEY_FILE, DANGJIAN_SECURE_COOKIES, DANGJIAN_LOG, then these
/// flags.
#[derive(Parser)]
#[command(name = "dangjian", version, about, long_about)]
struct Cli {
    /// Settings file (TOML); default `./dangjian.toml` when present.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory of the embedded SQLite database (default `./data`). Ignored when
    /// DANGJIAN_DATABASE_URL points to PostgreSQL.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and the API (the default).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Rebuild the search index of the study materials from the database (it is a cache:
    /// the server also rebuilds it on start when it is missing or behind), then exit.
    Reindex,
    /// Fill an empty database with a synthetic bureau (fictional people, valid checksums).
    Demo {
        /// `city` (about 3,000 members, 250 branches) or `province` (about 100,000 and 8,000).
        #[arg(long, value_enum, default_value = "city")]
        scale: Scale,
        /// Seed of the generator: the same seed gives the same bureau.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check coverage (纵向到底、横向到边): units without a party org, members outside a
    /// valid branch, branch sizes, committees and secretaries. Exits 0 either way.
    Coverage {
        /// Only this org (by code) and everything below it.
        #[arg(long)]
        org: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print an org's compliance with the rules of organisational life for a year, period
    /// by period (met, late, missing, upcoming). Exits 0 either way.
    Compliance {
        /// The org, by code.
        #[arg(long)]
        org: String,
        /// The calendar year; this year when absent.
        #[arg(long)]
        year: Option<i32>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Export data as spreadsheets.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Import data from spreadsheets.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// The audit log: verify its chain, export it.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The key file.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new SM4 field key and re-encrypt every protected value (身份证号, phone, second
    /// factor secrets, pending imports) with it. Older keys stay in the file so backups still
    /// open. Run it with the server stopped, or restart the server afterwards.
    Rotate,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the HMAC-SM3 chain of the audit log, its start and every seal (in the database,
    /// in `audit_seal_file`, and in the files given). Exits 0 when it is intact, otherwise 1
    /// and names the first broken record.
    Verify {
        /// A seal file kept off the server (one seal per line, as `audit seal` prints them);
        /// may be given more than once.
        #[arg(long, value_name = "FILE")]
        seal: Vec<PathBuf>,
    },
    /// Sign the head of the chain with SM2, append the seal to `audit_seal_file` (or --out)
    /// and print it (JSON, with the public key) for the log platform.
    Seal {
        /// Append the seal to this file (outside the data directory) as well.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Bind the start of an audit chain that began after record 1 (a database from before
    /// the chain existed) to the audit key. Run once, from the server's shell.
    Anchor,
    /// Export records, oldest first, as JSON lines (one object per record, with its MAC) for
    /// the bureau's log platform.
    Export {
        /// First day (Beijing time, YYYY-MM-DD), inclusive.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day (Beijing time, YYYY-MM-DD), inclusive.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Check a member sheet (the template of the web page) and print every problem; exits
    /// non-zero if any row is invalid. With --commit a valid sheet is written, all at once.
    Members {
        file: PathBuf,
        #[arg(long)]
        commit: bool,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The member roster (ID numbers and phones masked) as .xlsx.
    Members {
        /// Only this org (by code) and everything below it.
        #[arg(long)]
        org: Option<String>,
        /// The file to write.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Scale {
    City,
    Province,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; the password is read from standard input.
    ///
    /// Roles: system_admin, security_admin, audit_admin (三员), committee_staff (党委办公室:
    /// the whole tree), org_secretary (书记/委员: the org given by --org and below), member
    /// (党员: their own record, given by --police-number).
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        role: String,
        /// Org code the account is bound to (org_secretary; optional for committee_staff).
        #[arg(long)]
        org: Option<String>,
        /// The member's 警号, or member number (DY…) for members without one (member role).
        #[arg(long)]
        police_number: Option<String>,
        /// Display name (default: the login).
        #[arg(long)]
        name: Option<String>,
    },
    /// Set an account's password (read from standard input); its sessions end.
    Passwd {
        #[arg(long)]
        login: String,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a bearer token acting as the account; it is printed once. It works for the
    /// security policy's token age (90 days unless set shorter), or --days when fewer.
    Create {
        #[arg(long)]
        login: String,
        #[arg(long)]
        label: Option<String>,
        /// Days the token works (1 to the policy's token age).
        #[arg(long)]
        days: Option<u32>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{}", one_line(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause once (wrapped errors often repeat their
/// source's message).
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push('：');
            }
            line.push_str(&text);
        }
    }
    line
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Some(Command::Serve { listen }) => *listen,
        _ => None,
    };
    let settings = Settings::load(
        cli.config.as_deref(),
        Overrides {
            listen,
            data_dir: cli.data_dir.clone(),
        },
    )
    .map_err(|e| anyhow!(e))?;
    init_logging(&settings.log);
    match cli.command.unwrap_or(Command::Serve { listen: None }) {
        Command::Serve { .. } => serve(settings).await,
        Command::Migrate => {
            let services = open(&settings).await?;
            print_admins(&settings, services.bootstrap().await?)?;
            println!("数据库已是最新版本。");
            Ok(())
        }
        Command::Reindex => {
            let services = open(&settings).await?;
            let documents = services.refresh_search_index(true).await?;
            println!("检索索引已从数据库重建：{documents} 篇资料。");
            Ok(())
        }
        Command::Demo { scale, seed } => demo(&settings, scale, seed).await,
        Command::User { command } => user(&settings, command).await,
        Command::Token { command } => token(&settings, command).await,
        Command::Coverage { org, json } => coverage(&settings, org.as_deref(), json).await,
        Command::Compliance { org, year, json } => compliance(&settings, &org, year, json).await,
        Command::Export {
            what: ExportCommand::Members { org, file },
        } => {
            let services = open(&settings).await?;
            let search = dangjian_service::members::Search {
                org,
                ..Default::default()
            };
            let (bytes, count) = services
                .export_members(&dangjian_service::Actor::shell_office(), &search)
                .await
                .map_err(service_error)?;
            std::fs::write(&file, bytes).with_context(|| format!("无法写入 {}", file.display()))?;
            println!("已导出 {count} 名党员到 {}。", file.display());
            services.db().close().await;
            Ok(())
        }
        Command::Import {
            what: ImportCommand::Members { file, commit },
        } => import_members(&settings, &file, commit).await,
        Command::Audit { command } => audit(&settings, command).await,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => rotate_keys(&settings).await,
        Command::Openapi => {
            let json = dangjian_web::openapi_document()
                .to_pretty_json()
                .context("生成 OpenAPI 文档")?;
            println!("{json}");
            Ok(())
        }
    }
}

async fn rotate_keys(settings: &Settings) -> anyhow::Result<()> {
    // Opening first checks that the key file is the one this database was sealed with.
    let services = open(settings).await?;
    services.db().close().await;
    let key_file = settings.key_file();
    let version = dangjian_service::keys::add_field_key(&key_file)?;
    println!(
        "已在 {} 中加入第 {version} 版字段密钥。正在用新密钥重新加密……",
        key_file.display()
    );
    let services = open(settings).await?;
    let report = services
        .reseal_protected_fields(&dangjian_service::Actor::cli())
        .await
        .map_err(service_error);
    services.db().close().await;
    let report = report?;
    println!(
        "完成：党员 {} 人的身份证号与电话、{} 个双因素密钥、{} 个待导入批次、{} 条党费工资记录已用新密钥加密。",
        report.member_fields, report.second_factor_secrets, report.import_batches, report.dues_pay
    );
    println!("旧密钥仍保留在密钥文件中，以便打开旧备份。");
    Ok(())
}

async fn audit(settings: &Settings, command: AuditCommand) -> anyhow::Result<()> {
    let services = open(settings).await?;
    let actor = dangjian_service::Actor::shell_auditor();
    let result = match command {
        AuditCommand::Verify { seal } => {
            let mut seals = Vec::new();
            for path in &seal {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("无法读取封存文件 {}", path.display()))?;
                seals.extend(
                    dangjian_service::audit::parse_seals(&text)
                        .map_err(|e| anyhow!("{}：{e}", path.display()))?,
                );
            }
            match services
                .verify_audit_chain(&actor, &seals)
                .await
                .map_err(service_error)?
            {
                ChainReport::Intact {
                    records,
                    unchained,
                    external_seals,
                } => {
                    println!("审计链完整：已校验 {records} 条记录。");
                    if external_seals > 0 {
                        println!("已与 {external_seals} 份外部封存逐一核对。");
                    } else {
                        println!(
                            "未核对外部封存（--seal 封存文件 或设置 audit_seal_file）：只在库内截断并回退链头的篡改须与库外封存比对才能发现。"
                        );
                    }
                    if unchained > 0 {
                        println!("另有 {unchained} 条记录写于启用审计链之前，没有校验码。");
                    }
                    Ok(())
                }
                ChainReport::Broken { id, reason } => {
                    services.db().close().await;
                    eprintln!("审计链已被破坏：第一条有问题的记录编号 {id}，{reason}。");
                    std::process::exit(1);
                }
            }
        }
        AuditCommand::Seal { out } => {
            let sealing = match out {
                Some(path) => services.clone().with_seal_file(path),
                None => services.clone(),
            };
            let seal = sealing
                .seal_audit_chain(&actor)
                .await
                .map_err(service_error)?;
            println!("{}", serde_json::to_string(&seal).context("输出封存记录")?);
            eprintln!(
                "已封存审计链（截至第 {} 条记录）。请把上面这一行交给日志平台或另行保存。",
                seal.last_id
            );
            Ok(())
        }
        AuditCommand::Anchor => {
            let from = services
                .cli_anchor_audit_chain()
                .await
                .map_err(service_error)?;
            println!("已用审计密钥固定审计链的起点（第 {from} 条记录）。");
            Ok(())
        }
        AuditCommand::Export { from, to, out } => {
            let day = |raw: Option<String>, next: bool| -> anyhow::Result<_> {
                raw.map(|raw| {
                    let date = dangjian_core::member::parse_date(&raw)
                        .map_err(|e| anyhow!("日期 {raw}：{e}"))?;
                    let start = date.and_time(chrono::NaiveTime::MIN).and_utc()
                        - chrono::TimeDelta::hours(8);
                    Ok(if next {
                        start + chrono::TimeDelta::days(1)
                    } else {
                        start
                    })
                })
                .transpose()
            };
            let filter = dangjian_service::AuditFilter {
                from: day(from, false)?,
                to: day(to, true)?,
                ..Default::default()
            };
            let count = match &out {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .with_context(|| format!("无法写入 {}", path.display()))?;
                    let mut writer = std::io::BufWriter::new(file);
                    let count = services
                        .export_audit(&actor, &filter, &mut writer)
                        .await
                        .map_err(service_error)?;
                    writer
                        .flush()
                        .with_context(|| format!("无法写入 {}", path.display()))?;
                    count
                }
                None => {
                    let mut writer = std::io::BufWriter::new(std::io::stdout());
                    let count = services
                        .export_audit(&actor, &filter, &mut writer)
                        .await
                        .map_err(service_error)?;
                    writer.flush().context("写标准输出")?;
                    count
                }
            };
            eprintln!("已导出 {count} 条审计记录。");
            Ok(())
        }
    };
    services.db().close().await;
    result
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Opens the database (creating the SQLite file on first use), migrates it and checks it.
async fn open(settings: &Settings) -> anyhow::Result<Services> {
    let clock = Arc::new(SystemClock);
    for note in files::secure_data_dir(settings)? {
        eprintln!("警告：{note}");
    }
    let key_file = settings.key_file();
    // The rules come from the compiled-in file, with the bureau's overrides laid over it
    // (from the day its `[meta] effective_from` names, when it names one).
    let rules = match &settings.rules_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("无法读取规则文件 {}", path.display()))?;
            RuleBook::load(Some(&text)).with_context(|| format!("规则文件 {}", path.display()))?
        }
        None => RuleBook::load(None).context("内置规则文件")?,
    };
    let services = match &settings.database_url {
        Some(url) => Services::open(Database::Url(url), &key_file, clock, rules)
            .await
            .with_context(|| format!("数据库 {}", settings::redact_url(url)))?,
        None => {
            let path = settings.data_dir.join("dangjian.db");
            Services::open(Database::Sqlite(&path), &key_file, clock, rules)
                .await
                .with_context(|| format!("数据库 {}", path.display()))?
        }
    };
    let mut services = services
        .with_attachment_dir(settings.data_dir.join("attachments"))
        .with_media_limit(settings.media_max_mb.saturating_mul(1024 * 1024))
        .with_search_dir(&settings.data_dir.join("search"))
        .map_err(|e| anyhow!(e))?;
    if let Some(path) = &settings.audit_seal_file {
        services = services.with_seal_file(path.clone());
    }
    services.apply_rule_versions(false).await?;
    Ok(services)
}

/// Shows the first start's administrator passwords, once (see `files::show_secrets`).
fn print_admins(settings: &Settings, admins: Option<Vec<InitialAdmin>>) -> anyhow::Result<()> {
    let Some(admins) = admins else {
        return Ok(());
    };
    let lines: Vec<String> = admins
        .iter()
        .map(|admin| {
            format!(
                "  {:<12} {:<8} {}",
                admin.login,
                admin.role.label(),
                admin.password
            )
        })
        .collect();
    files::show_secrets(
        settings,
        "initial-passwords",
        "首次启动：已创建三员账号。以下一次性密码只显示这一次，首次登录须修改：",
        &lines,
    )
}

/// The server's timed work: anonymous refusals counted in a window are written once a
/// minute, and the audit chain is sealed once a day when a seal file is set.
async fn background(services: Services) {
    let mut minute = tokio::time::interval(std::time::Duration::from_secs(60));
    let mut minutes = 0u64;
    loop {
        minute.tick().await;
        if let Err(e) = services.flush_denials().await {
            tracing::warn!(error = %e, "writing counted refusals failed");
        }
        if minutes.is_multiple_of(60) {
            match services.seal_if_due().await {
                Ok(Some(seal)) => tracing::info!(last_id = seal.last_id, "audit chain sealed"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "sealing the audit chain failed"),
            }
        }
        minutes += 1;
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let services = open(&settings).await?;
    // The server records the meeting rules it runs with (a change takes effect today).
    services.apply_rule_versions(true).await?;
    print_admins(&settings, services.bootstrap().await?)?;
    // The search index is a cache of the database: made anew when missing or behind.
    let started = std::time::Instant::now();
    let documents = services.refresh_search_index(false).await?;
    tracing::info!(
        documents,
        ms = started.elapsed().as_millis() as u64,
        "search index ready"
    );
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("无法监听 {}", settings.listen))?;
    let address = listener.local_addr().context("读取监听地址")?;
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => {
            Some(dangjian_web::tls::load(cert, key).map_err(|e| anyhow!(e))?)
        }
        _ => None,
    };
    for warning in files::placement_warnings(&settings, &settings.key_file(), tls.is_some()) {
        eprintln!("警告：{warning}");
    }
    let timed = tokio::spawn(background(services.clone()));
    let state = AppState {
        services: services.clone(),
        config: WebConfig {
            secure_cookies: settings.secure_cookies || tls.is_some(),
            max_connections: settings.max_connections,
            ..WebConfig::default()
        },
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match tls {
        Some(config) => {
            println!("党建工作平台已启动：https://{address}");
            dangjian_web::serve_tls(listener, config, state, shutdown).await
        }
        None => {
            println!("党建工作平台已启动：http://{address}");
            dangjian_web::serve(listener, state, shutdown).await
        }
    }
    .context("服务异常退出")?;
    timed.abort();
    // Refusals still being counted are written before the server stops.
    services.flush_denials_now().await?;
    println!("已停止。");
    Ok(())
}

async fn demo(settings: &Settings, scale: Scale, seed: u64) -> anyhow::Result<()> {
    let services = open(settings).await?;
    print_admins(settings, services.bootstrap().await?)?;
    let scale = match scale {
        Scale::City => DemoScale::City,
        Scale::Province => DemoScale::Province,
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let progress = |stage: &str, done: u64, total: u64| {
        bar.set_message(stage.to_owned());
        bar.set_length(total);
        bar.set_position(done);
    };
    let summary: DemoSummary = services
        .generate_demo(scale, seed, &progress)
        .await
        .map_err(service_error)?;
    bar.finish_and_clear();
    println!(
        "演示数据已生成：单位 {} 个，党组织 {} 个（党支部 {} 个），党员 {} 名，组织生活记录 {} 条，整改事项 {} 个（措施 {} 项）。",
        summary.units,
        summary.orgs,
        summary.branches,
        summary.members,
        summary.meetings,
        summary.rectifications,
        summary.measures
    );
    let lines: Vec<String> = summary
        .accounts
        .iter()
        .map(|account| {
            format!(
                "  {:<14} {:<10} {:<18} {}",
                account.login,
                account.role.label(),
                account.password,
                account.scope
            )
        })
        .collect();
    files::show_secrets(
        settings,
        "demo-passwords",
        "演示账号（密码只显示这一次）：",
        &lines,
    )
}

/// An instant as Beijing time, to the minute.
fn beijing(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::TimeDelta::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Reads a password from standard input: without echo at a terminal, else the first line.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt).context("读取密码")?;
        let again = rpassword::prompt_password("再次输入：").context("读取密码")?;
        if first != again {
            bail!("两次输入的密码不一致");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("读取密码")?;
        Ok(line.trim_end_matches(['\n', '\r']).to_owned())
    }
}

/// Turns a service error into one line for the console.
fn service_error(error: ServiceError) -> anyhow::Error {
    match error {
        ServiceError::Invalid(errors) | ServiceError::Conflict(errors) => {
            anyhow!(
                errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("；")
            )
        }
        ServiceError::NotFound => anyhow!("没有这个账号或对象"),
        other => anyhow!(other.to_string()),
    }
}

async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let services = open(settings).await?;
    print_admins(settings, services.bootstrap().await?)?;
    match command {
        UserCommand::Add {
            login,
            role,
            org,
            police_number,
            name,
        } => {
            let password = read_password("密码：")?;
            let grant = GrantForm {
                role,
                org: org.unwrap_or_default(),
                police_number: police_number.unwrap_or_default(),
            };
            let id = services
                .cli_add_user(&login, name.as_deref().unwrap_or(""), &grant, &password)
                .await
                .map_err(service_error)?;
            println!("已创建账号 {login}（编号 {id}）。");
        }
        UserCommand::Passwd { login } => {
            let password = read_password("新密码：")?;
            services
                .cli_set_password(&login, &password)
                .await
                .map_err(service_error)?;
            println!("已修改 {login} 的密码，其已登录的会话均已结束。");
        }
        UserCommand::List => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:<6} {:<16} {:<12} {:<14} {:<20} 状态",
                "编号", "登录名", "姓名", "角色", "组织"
            )?;
            for a in services.cli_accounts().await.map_err(service_error)? {
                let state = if a.disabled {
                    "停用"
                } else if a.must_change_password {
                    "待改密码"
                } else {
                    "正常"
                };
                writeln!(
                    out,
                    "{:<6} {:<16} {:<12} {:<14} {:<20} {}",
                    a.id,
                    a.login,
                    a.display_name,
                    a.role.map_or("未授权", |r| r.label()),
                    a.org_name.unwrap_or_default(),
                    state
                )?;
            }
        }
    }
    Ok(())
}

async fn coverage(settings: &Settings, org: Option<&str>, json: bool) -> anyhow::Result<()> {
    let services = open(settings).await?;
    let report = services
        .coverage(&dangjian_service::Actor::shell_office(), org)
        .await
        .map_err(service_error)?;
    let scope = report.org.as_ref().map_or_else(
        || "全部组织".to_owned(),
        |(_, name)| format!("{name}（含下级）"),
    );
    if json {
        let value = serde_json::json!({
            "scope": scope,
            "problems": report.problems(),
            "advice": report.advice(),
            "findings": report.findings,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).context("生成 JSON")?
        );
    } else {
        println!(
            "组织覆盖检查：{scope}。问题 {} 项，建议 {} 项。",
            report.problems(),
            report.advice()
        );
        for f in &report.findings {
            let tag = if f.kind.is_advice() {
                "建议"
            } else {
                "问题"
            };
            println!("[{tag}] {}：{}　{}", f.kind.label(), f.name, f.message);
        }
    }
    services.db().close().await;
    Ok(())
}

async fn compliance(
    settings: &Settings,
    code: &str,
    year: Option<i32>,
    json: bool,
) -> anyhow::Result<()> {
    use chrono::Datelike;
    use dangjian_service::orglife::period_label;
    let services = open(settings).await?;
    let actor = dangjian_service::Actor::shell_office();
    let year = year.unwrap_or_else(|| services.clock().today().year());
    let org = services
        .orglife_org_by_code(&actor, code)
        .await
        .map_err(service_error)?;
    let c = services
        .org_compliance(&actor, org.id, year)
        .await
        .map_err(service_error)?;
    let names = |ids: &[i64]| -> Vec<String> {
        ids.iter()
            .map(|id| c.names.get(id).cloned().unwrap_or_else(|| id.to_string()))
            .collect()
    };
    if json {
        let slots: Vec<_> = c
            .slots
            .iter()
            .map(|s| {
                serde_json::json!({
                    "kind": s.kind.code(), "kind_label": s.kind.label(),
                    "period": period_label(s), "from": s.from.to_string(),
                    "until": s.last_day().to_string(), "min_count": s.min_count,
                    "confidence": s.confidence, "status": s.status.code(),
                    "records": s.records, "members_missing": names(&s.members_missing),
                })
            })
            .collect();
        let value = serde_json::json!({
            "org": { "id": c.org.id, "code": c.org.code, "name": c.org.name },
            "year": year, "tally": c.tally, "slots": slots,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).context("生成 JSON")?
        );
    } else {
        println!(
            "{}（{}）{year}年组织生活：{}",
            c.org.name, c.org.code, c.tally
        );
        let mut kind = None;
        for s in c
            .slots
            .iter()
            .filter(|s| s.status != dangjian_core::compliance::Status::NotApplicable)
        {
            if kind != Some(s.kind) {
                kind = Some(s.kind);
                let local = if s.confidence == dangjian_core::rules::Confidence::Local {
                    "，本地规定"
                } else {
                    ""
                };
                println!(
                    "{}（{}{}次{local}）",
                    s.kind.label(),
                    s.period.label(),
                    s.min_count
                );
            }
            let records: Vec<String> = s.records.iter().map(|r| format!("#{r}")).collect();
            println!(
                "  {}\t{}\t{}",
                period_label(s),
                s.status.label(),
                records.join(" ")
            );
            if !s.members_missing.is_empty() {
                println!("    尚未参加：{}", names(&s.members_missing).join("、"));
            }
        }
    }
    services.db().close().await;
    Ok(())
}

async fn import_members(
    settings: &Settings,
    file: &std::path::Path,
    commit: bool,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let services = open(settings).await?;
    let actor = dangjian_service::Actor::shell_office();
    let report = services
        .preview_import(&actor, bytes)
        .await
        .map_err(service_error)?;
    for w in &report.warnings {
        println!("[提示] 第{}行 {}：{}", w.row, w.column, w.message);
    }
    for p in &report.problems {
        println!("[问题] 第{}行 {}：{}", p.row, p.column, p.message);
    }
    println!(
        "共 {} 行，问题 {} 处，提示 {} 处。",
        report.rows, report.problem_count, report.warning_count
    );
    let result = match (report.batch, commit) {
        (None, _) => Err(anyhow!("表格有问题，未导入任何数据")),
        (Some(_), false) => {
            println!("检查通过。加 --commit 写入。");
            Ok(())
        }
        (Some(batch), true) => {
            let count = services
                .commit_import(&actor, batch)
                .await
                .map_err(service_error)?;
            println!("已导入 {count} 名党员（批次 {batch}）。");
            Ok(())
        }
    };
    services.db().close().await;
    result
}

async fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let services = open(settings).await?;
    match command {
        TokenCommand::Create { login, label, days } => {
            let (token, end) = services
                .cli_create_token(&login, label.as_deref().unwrap_or(""), days)
                .await
                .map_err(service_error)?;
            println!("{token}");
            eprintln!("有效期至 {}（北京时间）。", beijing(end));
        }
        TokenCommand::List => {
            let now = chrono::Utc::now();
            println!(
                "{:<6} {:<16} {:<20} {:<8} 有效期至",
                "编号", "账号", "说明", "状态"
            );
            for (t, end) in services.cli_tokens().await.map_err(service_error)? {
                let state = if t.revoked_at.is_some() {
                    "已吊销"
                } else if end <= now {
                    "已过期"
                } else {
                    "有效"
                };
                println!(
                    "{:<6} {:<16} {:<20} {:<8} {}",
                    t.id,
                    t.login,
                    t.label,
                    state,
                    beijing(end)
                );
            }
        }
        TokenCommand::Revoke { id } => {
            services.cli_revoke_token(id).await.map_err(service_error)?;
            println!("令牌 {id} 已吊销。");
        }
    }
    Ok(())
}
