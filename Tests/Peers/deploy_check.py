"""Checks render.yaml and fly/*.toml against the configuration schema and the platforms' documented fields.

Usage: deploy_check.py ROOT SCHEMA_JSON
SCHEMA_JSON (written by the Swift test from ConfigSchema): {"variables": [{name, roles, requirement, requiredWhenDeployed}],
"healthPaths": {role: [path, ...]}}. Prints a JSON list of problems (empty when all is well).

The field lists are Render's Blueprint spec (render.com/docs/blueprint-spec) and Fly's configuration reference
(fly.io/docs/reference/configuration); the platforms' JSON schemas are not reachable from the test machines.
"""
import json
import os
import re
import sys
import tomllib

import yaml

RENDER_TOP = {"services", "databases", "envVarGroups", "previews", "projects", "ungrouped", "version"}
RENDER_SERVICE = {
    "type", "name", "runtime", "plan", "region", "repo", "branch", "rootDir", "dockerfilePath", "dockerContext", "dockerCommand",
    "registryCredential", "image", "healthCheckPath", "numInstances", "scaling", "envVars", "autoDeploy", "autoDeployTrigger",
    "buildFilter", "disk", "domains", "preDeployCommand", "buildCommand", "startCommand", "pullRequestPreviewsEnabled", "previews",
    "maxShutdownDelaySeconds", "schedule", "ipAllowList", "staticPublishPath", "headers", "routes",
}
RENDER_TYPES = {"web", "pserv", "worker", "cron", "static", "keyvalue", "redis"}
RENDER_PLANS = {"free", "starter", "standard", "pro", "pro plus", "pro max", "pro ultra"}
RENDER_ENV_FORMS = [{"key", "value"}, {"key", "generateValue"}, {"key", "sync"}, {"key", "fromService"}, {"key", "fromDatabase"}, {"fromGroup"}]

FLY_TOP = {
    "app", "primary_region", "kill_signal", "kill_timeout", "swap_size_mb", "console_command", "build", "deploy", "env", "http_service",
    "services", "checks", "mounts", "processes", "vm", "metrics", "statics", "files", "experimental", "restart",
}
FLY_BUILD = {"builder", "buildpacks", "args", "build-target", "dockerfile", "ignorefile", "image", "settings"}
FLY_HTTP_SERVICE = {
    "internal_port", "force_https", "auto_stop_machines", "auto_start_machines", "min_machines_running", "processes", "concurrency",
    "checks", "tls_options", "http_options",
}
FLY_CHECK = {"grace_period", "interval", "method", "path", "protocol", "timeout", "tls_server_name", "tls_skip_verify", "headers"}
FLY_VM = {"size", "memory", "cpus", "cpu_kind", "gpus", "gpu_kind", "processes", "memory_mb"}


def required_names(schema, role, algorithm):
    names = set()
    for variable in schema["variables"]:
        if role not in variable["roles"]:
            continue
        requirement = variable["requirement"]
        if requirement == "required" or (requirement == "requiredWithHS256" and algorithm == "HS256") \
                or (requirement == "requiredWithAsymmetric" and algorithm != "HS256") or variable["requiredWhenDeployed"]:
            names.add(variable["name"])
    return names


def role_of(command, env):
    match = re.search(r"\bserve\s+(gateway|auth|user|invoice)\b", command or "")
    return match.group(1) if match else env.get("ROLE")


def check_render(root, schema, problems):
    path = os.path.join(root, "render.yaml")
    with open(path) as handle:
        blueprint = yaml.safe_load(handle)
    for key in set(blueprint) - RENDER_TOP:
        problems.append(f"render.yaml: unknown top-level field {key}")
    groups = {}
    for group in blueprint.get("envVarGroups", []):
        keys = set()
        for entry in group.get("envVars", []):
            if set(entry) not in ({"key", "value"}, {"key", "generateValue"}):
                problems.append(f"render.yaml: group {group.get('name')}: envVars entries are key/value or key/generateValue, got {sorted(entry)}")
            keys.add(entry.get("key"))
        groups[group["name"]] = keys
    services = blueprint.get("services", [])
    names = {service.get("name") for service in services}
    roles_seen = set()
    for service in services:
        where = f"render.yaml: service {service.get('name')}"
        for key in set(service) - RENDER_SERVICE:
            problems.append(f"{where}: unknown field {key}")
        if service.get("type") not in RENDER_TYPES:
            problems.append(f"{where}: type {service.get('type')} is not a Render service type")
        if service.get("plan", "starter") not in RENDER_PLANS:
            problems.append(f"{where}: unknown plan {service.get('plan')}")
        if service.get("type") != "web" and service.get("plan") == "free":
            problems.append(f"{where}: only web services have a free plan")
        if service.get("runtime") == "docker":
            dockerfile = os.path.normpath(os.path.join(root, service.get("dockerContext", "."), service.get("dockerfilePath", "./Dockerfile")))
            if not os.path.isfile(dockerfile):
                problems.append(f"{where}: no Dockerfile at {dockerfile}")
        provided, values = set(), {}
        for entry in service.get("envVars", []):
            if not any(set(entry) == form for form in RENDER_ENV_FORMS):
                problems.append(f"{where}: envVars entry {sorted(entry)} is not a documented form")
                continue
            if "fromGroup" in entry:
                if entry["fromGroup"] not in groups:
                    problems.append(f"{where}: group {entry['fromGroup']} is not defined")
                provided |= groups.get(entry["fromGroup"], set())
                continue
            if "sync" in entry and entry["sync"] is not False:
                problems.append(f"{where}: {entry['key']}: sync must be false")
            if "fromService" in entry:
                ref = entry["fromService"]
                if ref.get("name") not in names:
                    problems.append(f"{where}: {entry['key']} refers to unknown service {ref.get('name')}")
                if ref.get("property") not in (None, "host", "port", "hostport") and "envVarKey" not in ref:
                    problems.append(f"{where}: {entry['key']}: unknown fromService property {ref.get('property')}")
            provided.add(entry["key"])
            if "value" in entry:
                values[entry["key"]] = str(entry["value"])
        for group_name in [e["fromGroup"] for e in service.get("envVars", []) if "fromGroup" in e]:
            for group in blueprint.get("envVarGroups", []):
                if group["name"] == group_name:
                    for entry in group.get("envVars", []):
                        if "value" in entry:
                            values.setdefault(entry["key"], str(entry["value"]))
        role = role_of(service.get("dockerCommand"), values)
        if role not in schema["healthPaths"]:
            problems.append(f"{where}: no role (ROLE or `serve <role>`), got {role}")
            continue
        roles_seen.add(role)
        missing = required_names(schema, role, values.get("JWT_ALG", "HS256")) - provided
        for name in sorted(missing):
            problems.append(f"{where} ({role}): {name} is required and not provided")
        if service.get("healthCheckPath") not in schema["healthPaths"][role]:
            problems.append(f"{where}: healthCheckPath {service.get('healthCheckPath')} is not served by the {role} role")
        if "PORT" in values and service.get("type") == "web":
            problems.append(f"{where}: Render sets PORT for web services; do not set it")
        known = {v["name"] for v in schema["variables"]}
        for name in provided - known:
            problems.append(f"{where}: {name} is not a VoiceInvoice variable")
    if roles_seen != set(schema["healthPaths"]):
        problems.append(f"render.yaml: roles deployed {sorted(roles_seen)}, expected all four")


def check_fly(root, schema, problems):
    directory = os.path.join(root, "fly")
    roles_seen = set()
    for file in sorted(os.listdir(directory)):
        if not file.endswith(".toml"):
            continue
        path = os.path.join(directory, file)
        where = f"fly/{file}"
        with open(path, "rb") as handle:
            config = tomllib.load(handle)
        with open(path) as handle:
            text = handle.read()
        for key in set(config) - FLY_TOP:
            problems.append(f"{where}: unknown top-level field {key}")
        for key in set(config.get("build", {})) - FLY_BUILD:
            problems.append(f"{where}: unknown [build] field {key}")
        dockerfile = config.get("build", {}).get("dockerfile")
        if not dockerfile or not os.path.isfile(os.path.normpath(os.path.join(directory, dockerfile))):
            problems.append(f"{where}: [build] dockerfile {dockerfile} does not resolve (relative to the config file)")
        env = config.get("env", {})
        for key, value in env.items():
            if not isinstance(value, str):
                problems.append(f"{where}: [env] {key} must be a string")
        service = config.get("http_service", {})
        for key in set(service) - FLY_HTTP_SERVICE:
            problems.append(f"{where}: unknown [http_service] field {key}")
        if str(service.get("internal_port")) != env.get("PORT"):
            problems.append(f"{where}: [env] PORT {env.get('PORT')} differs from internal_port {service.get('internal_port')}")
        if env.get("HOST") not in ("::", "[::]"):
            problems.append(f"{where}: HOST must be :: so .internal (IPv6) and IPv4 both reach the app")
        commands = list(config.get("processes", {}).values())
        role = role_of(commands[0] if commands else None, env)
        if role not in schema["healthPaths"]:
            problems.append(f"{where}: no role (`serve <role>` in [processes] or ROLE in [env])")
            continue
        roles_seen.add(role)
        if config.get("app") != f"voice-invoice-{role}":
            problems.append(f"{where}: app {config.get('app')} does not name the {role} role")
        checks = service.get("checks", [])
        if not checks:
            problems.append(f"{where}: no [[http_service.checks]]")
        for check in checks:
            for key in set(check) - FLY_CHECK:
                problems.append(f"{where}: unknown check field {key}")
            if check.get("path") not in schema["healthPaths"][role]:
                problems.append(f"{where}: check path {check.get('path')} is not served by the {role} role")
        for vm in config.get("vm", []):
            for key in set(vm) - FLY_VM:
                problems.append(f"{where}: unknown [[vm]] field {key}")
        # Secrets cannot live in fly.toml: the file names them in its `fly secrets set` line.
        secret_line = next((line for line in text.splitlines() if line.startswith("#") and "fly secrets set" in line), "")
        secrets = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", secret_line))
        provided = set(env) | secrets
        missing = required_names(schema, role, env.get("JWT_ALG", "HS256")) - provided
        for name in sorted(missing):
            problems.append(f"{where} ({role}): {name} is required and neither in [env] nor in the `fly secrets set` line")
        known = {v["name"] for v in schema["variables"]}
        for name in provided - known:
            problems.append(f"{where}: {name} is not a VoiceInvoice variable")
        for secret in {v["name"] for v in schema["variables"] if v["secret"]} & set(env):
            problems.append(f"{where}: {secret} is a secret and must not be in [env]")
    if roles_seen != set(schema["healthPaths"]):
        problems.append(f"fly/: roles deployed {sorted(roles_seen)}, expected all four")


def main():
    root, schema_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as handle:
        schema = json.load(handle)
    problems = []
    check_render(root, schema, problems)
    check_fly(root, schema, problems)
    print(json.dumps(problems))


if __name__ == "__main__":
    main()
