# The two commands a new user needs (Debian 12, as root):
#   make run   - install what is missing, build, and serve the API on 127.0.0.1:8080
#   make test  - install what is missing, build, and run every test against a real libvirtd
.PHONY: run test setup build test-only clean

setup:
	bash scripts/setup-host.sh
	bash scripts/install-deps.sh

build:
	npm run build

run: setup build
	npm start

test: setup build test-only

test-only:
	npm run typecheck
	npm run deps:check
	npm test
	docker-compose -f docker-compose.yml config --quiet && echo "docker-compose.yml: valid"

clean:
	rm -rf dist
