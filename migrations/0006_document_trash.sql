ALTER TABLE "documents" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "documents_owner_title_idx" ON "documents" USING btree ("owner_id",lower("title"),"id");--> statement-breakpoint
CREATE INDEX "documents_deleted_idx" ON "documents" USING btree ("owner_id","deleted_at") WHERE "documents"."deleted_at" is not null;