#!/bin/sh
# {{rendered_notice}}
# Firewall: deny everything incoming but SSH (rate-limited), HTTP and HTTPS. Run as root.
# UFW may name another command (the configuration check passes a recorder that dry-runs each rule).
set -eu
ufw=${UFW:-ufw}

$ufw --force reset

$ufw default deny incoming
$ufw default allow outgoing

$ufw limit {{ssh_port}}/tcp comment 'SSH'
$ufw allow {{nginx_http_port}}/tcp comment 'HTTP'
$ufw allow {{nginx_https_port}}/tcp comment 'HTTPS'

# Local services: loopback only, denied explicitly in case one is ever bound to a public address.
for port in {{local_service_ports}}; do
    $ufw deny "$port/tcp"
done

$ufw --force enable
