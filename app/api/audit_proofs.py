"""Signed checkpoints, the signing key, inclusion and consistency proofs (RFC 6962)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.deps import DatabaseDep, SessionDep, SettingsDep
from app.audit import service
from app.auth.deps import AuditorActor, CurrentActor
from app.http.threads import in_thread

router = APIRouter()
Size = Annotated[int | None, Query(ge=0, le=2**62)]


@router.get("/checkpoint", name="audit.checkpoint")
async def read_checkpoint(
    _actor: CurrentActor,
    _session: SessionDep,
    db: DatabaseDep,
    cfg: SettingsDep,
    tree_size: Size = None,
) -> dict[str, Any]:
    """The newest signed tree head (a new one is signed first when one is due), or the
    newest one signed for ``tree_size``."""
    return await in_thread(service.checkpoint_at, db, cfg, tree_size)


@router.post("/checkpoints", status_code=201, name="audit.checkpoints.create")
async def sign_checkpoint(
    _actor: AuditorActor, _session: SessionDep, db: DatabaseDep, cfg: SettingsDep
) -> dict[str, Any]:
    """Sign a checkpoint now, whatever the interval."""
    return await in_thread(service.sign_now, db, cfg)


@router.get("/checkpoints", name="audit.checkpoints.list")
def list_checkpoints(
    _actor: AuditorActor,
    _session: SessionDep,
    db: DatabaseDep,
    after_id: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Every checkpoint ever signed, oldest first (``next``: the next page's ``after_id``)."""
    return service.checkpoint_list(db, after_id, limit)


@router.get("/public-key", name="audit.public_key")
def public_key(
    _session: SessionDep,
    db: DatabaseDep,
    cfg: SettingsDep,
    key_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
) -> dict[str, Any]:
    """The checkpoint signing key (Ed25519, PEM) and its ``key_id``; no key needed."""
    return service.public_keys(cfg, db, key_id)


@router.get("/proofs/inclusion", name="audit.proofs.inclusion")
async def inclusion_proof(
    actor: CurrentActor,
    _session: SessionDep,
    db: DatabaseDep,
    seq: Annotated[int, Query(ge=1, le=2**62)],
    tree_size: Size = None,
) -> dict[str, Any]:
    """The audit path of event ``seq`` (default tree: the newest checkpoint that holds it)."""
    return await in_thread(service.inclusion, db, actor, seq, tree_size)


@router.get("/proofs/consistency", name="audit.proofs.consistency")
async def consistency_proof(
    _actor: CurrentActor,
    _session: SessionDep,
    db: DatabaseDep,
    first: Annotated[int, Query(ge=1, le=2**62)],
    second: Size = None,
) -> dict[str, Any]:
    """Proof that the tree of ``second`` events (default: all) extends that of ``first``."""
    return await in_thread(service.consistency, db, first, second)
